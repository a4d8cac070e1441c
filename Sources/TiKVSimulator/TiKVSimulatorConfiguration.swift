/// How big the simulated cluster is and how its clock runs.
///
/// Defaults give a small cluster like `tikv/tikv`'s docker-compose (3 PD + 3 TiKV) with PD's own
/// defaults for replicas and timeouts (tikv-interfaces.md §1.2, §1.5).
public struct TiKVSimulatorConfiguration: Sendable, Equatable {
    /// PD members, each listening on its own port and serving the PD HTTP API.
    public var pdMembers: Int = 3
    /// TiKV stores, each with its own status port (`/status`, `/metrics`).
    public var stores: Int = 3
    /// Regions in the cluster. Regions are never materialised, so this scales to millions.
    public var regions: Int = 30
    /// PD's `max-replicas` (1…5).
    public var maxReplicas: Int = 3
    /// PD seconds per wall second: 20 makes a killed store Disconnected after one wall second.
    /// 0 freezes PD time: only `advanceClock(bySeconds:)` moves it (deterministic tests).
    public var timeScale: Double = 1
    /// Seeds ids (cluster id, member ids), region sizes and hashes, so runs are reproducible.
    public var seed: UInt64 = 4
    /// PD's `max-store-down-time` in PD seconds (default 30m): a silent store turns Down after it.
    public var maxStoreDownTime: Double = 1_800
    /// TiKV's `max-peer-down-duration` in PD seconds (default 10m): peers become down-peers after it.
    public var maxPeerDownDuration: Double = 600
    /// Background client load in requests per second over the whole cluster (0 = idle).
    public var qps: Double = 0
    /// Where each store writes its TiKV-format log (`tikv-<id>.log`) and each PD member its own
    /// (`pd-<name>.log`); nil writes no logs.
    public var logDirectory: String?
    /// The first port to listen on: PD members take `port, port+1, …`, stores the ones after.
    /// 0 lets the OS choose a free port for every listener.
    public var port: Int = 0
    /// Interface to listen on. Loopback only: the simulator is a test and demo harness.
    public var host: String = "127.0.0.1"
    /// Each store's disk capacity in bytes; nil sizes disks so data fills about a third of them.
    public var storeCapacityBytes: Double?
    /// Most regions `/regions` returns; `count` is always the full count. Real PD returns every
    /// region, which at a million regions is gigabytes.
    public var regionListLimit: Int = 1_000
    /// Most regions a `/regions/check/…` body lists (lowest ids first; `count` is the full count). Real
    /// PD lists every matching region, about 0.8 KB of JSON each: 30,000 down-peer regions are ~24 MB,
    /// and the simulator sends them all up to this cap (100,000 regions, ~80 MB) in streamed chunks.
    public var regionCheckLimit: Int = 100_000
    /// Size in bytes of the leader's quadratic scheduler series on PD's `/metrics` (pre-v8.5.5 PD,
    /// tikv/pd#9357): nil gives what the live stores make (about 0.5 KB per ordered store pair: ~5 MB
    /// at 100 stores, ~130 MB at 500); a number picks the size (up to 200 MB) with stale store ids.
    public var pdSchedulerSeriesBytes: Int?
    /// TiKV version reported by stores (`version` has no `v`, as in PD's `/stores`).
    public var tikvVersion: String = "8.5.0"
    /// PD version reported by `/version` and `/status`.
    public var pdVersion: String = "v8.5.0"
    /// Wall-clock period of the physics loop (counters, scheduled log lines).
    public var tickInterval: Duration = .milliseconds(100)

    /// Serve every PD and status port over TLS, as a cluster deployed with TiUP `enable_tls` does;
    /// nil serves plain HTTP.
    public var tls: SimulatorTLS?

    public init() {}

    public init(
        pdMembers: Int = 3, stores: Int = 3, regions: Int = 30, maxReplicas: Int = 3,
        timeScale: Double = 1, seed: UInt64 = 4, qps: Double = 0, port: Int = 0, logDirectory: String? = nil
    ) {
        self.pdMembers = pdMembers
        self.stores = stores
        self.regions = regions
        self.maxReplicas = maxReplicas
        self.timeScale = timeScale
        self.seed = seed
        self.qps = qps
        self.port = port
        self.logDirectory = logDirectory
    }

    func validate() throws(TiKVSimulatorError) {
        func fail(_ field: String, _ reason: String) -> TiKVSimulatorError {
            .invalidConfiguration(field: field, reason: reason)
        }
        guard (1...15).contains(pdMembers) else { throw fail("pd members", "must be 1…15, got \(pdMembers)") }
        guard (1...1_000).contains(stores) else { throw fail("stores", "must be 1…1000, got \(stores)") }
        guard (1...50_000_000).contains(regions) else { throw fail("regions", "must be 1…50000000, got \(regions)") }
        guard (1...5).contains(maxReplicas) else { throw fail("max replicas", "must be 1…5, got \(maxReplicas)") }
        guard timeScale >= 0, timeScale <= 100_000 else { throw fail("time scale", "must be 0…100000 (0 freezes PD time), got \(timeScale)") }
        // Upper bounds too: simulated time is kept in Int64 nanoseconds, and a day count or rate beyond these
        // would trap converting to it rather than fail here with the flag's name.
        let year = 365.0 * 86_400
        guard maxStoreDownTime > 20, maxStoreDownTime <= year else {
            throw fail("max-store-down-time", "must exceed the 20 s disconnect timeout and be at most a year, got \(maxStoreDownTime) s")
        }
        guard maxPeerDownDuration > 0, maxPeerDownDuration <= year else { throw fail("max-peer-down-duration", "must be > 0 s and at most a year") }
        guard qps >= 0, qps <= 10_000_000 else { throw fail("qps", "must be 0…10000000, got \(qps)") }
        guard port == 0 || (1...65_535).contains(port + pdMembers + stores - 1) else {
            throw fail("port", "\(port) leaves no room for \(pdMembers + stores) consecutive ports")
        }
        guard host == "127.0.0.1" || host == "::1" || host == "localhost" else {
            throw fail("host", "must be a loopback address (127.0.0.1, ::1, localhost), got \(host)")
        }
        guard regionListLimit > 0 else { throw fail("region list limit", "must be > 0") }
        guard regionCheckLimit > 0 else { throw fail("region check limit", "must be > 0") }
        if let bytes = pdSchedulerSeriesBytes, !(0...200_000_000).contains(bytes) {
            throw fail("PD scheduler series bytes", "must be 0…200000000 (200 MB), got \(bytes)")
        }
        if let capacity = storeCapacityBytes, !(capacity > 0 && capacity <= 1e18) {
            throw fail("store capacity", "must be > 0 bytes and at most 1e18, got \(capacity)")
        }
    }
}

/// The simulator's TLS files (PEM): its server certificate and key, and the CA whose client certificates
/// it requires (mutual TLS, PD's and TiKV's `security.cacert-path`); no CA accepts any client.
public struct SimulatorTLS: Sendable, Equatable {
    public var certFile: String
    public var keyFile: String
    public var clientCAFile: String?

    public init(certFile: String, keyFile: String, clientCAFile: String? = nil) {
        self.certFile = certFile
        self.keyFile = keyFile
        self.clientCAFile = clientCAFile
    }
}
