import Synchronization

/// The cluster model behind one lock, shared by every listener and the physics loop.
final class SimulatedCluster: Sendable {
    private let model: Mutex<ClusterModel>
    let requests = RequestCounter()

    /// PD's quadratic scheduler series (pre-v8.5.5), static, and their gzip, built on first use.
    let pdSchedulerSeries: PDSchedulerSeries
    private let pdSchedulerDeflated = Mutex<DeflateSegment?>(nil)

    init(configuration: TiKVSimulatorConfiguration) {
        let model = ClusterModel(configuration: configuration)
        pdSchedulerSeries = PDSchedulerSeries(liveStoreIDs: model.stores.map(\.id), targetBytes: configuration.pdSchedulerSeriesBytes)
        self.model = Mutex(model)
    }

    /// The scheduler series compressed, built once (seconds at 165 MB) and kept (about a tenth of it).
    var pdSchedulerSeriesDeflated: DeflateSegment {
        pdSchedulerDeflated.withLock { cached in
            if let cached { return cached }
            let built = pdSchedulerSeries.deflate()
            cached = built
            return built
        }
    }

    /// Runs `body` on the model brought up to PD time now.
    func withModel<T: Sendable>(_ body: (inout ClusterModel, SimInstant) throws(TiKVSimulatorError) -> T) throws(TiKVSimulatorError) -> T {
        try model.withLock { (model: inout ClusterModel) throws(TiKVSimulatorError) -> T in
            let now = model.now()
            return try body(&model, now)
        }
    }

    func read<T: Sendable>(_ body: (inout ClusterModel, SimInstant) -> T) -> T {
        model.withLock { (model: inout ClusterModel) -> T in
            let now = model.now()
            return body(&model, now)
        }
    }
}

/// How often each path was requested and how many body bytes were sent for it, across all PD members
/// and, under `store:<path>`, all stores' status servers. Tests use it to prove that a client never lists
/// every region (`/pd/api/v1/regions`); `operator bench tick-cost` reads bytes per path from it.
final class RequestCounter: Sendable {
    /// The key of a request to a store's status server (`store:/metrics`), apart from PD's own paths.
    static func storeKey(_ path: String) -> String { "store:" + path }

    private let counts = Mutex<[String: Int]>([:])
    private let bytes = Mutex<[String: Int]>([:])

    func record(_ path: String) {
        counts.withLock { $0[path, default: 0] += 1 }
    }

    /// Body bytes sent (compressed bytes when the body was gzipped), counted as they are written.
    func recordBytes(_ path: String, _ count: Int) {
        bytes.withLock { $0[path, default: 0] += count }
    }

    func count(_ path: String) -> Int {
        counts.withLock { $0[path] ?? 0 }
    }

    var all: [String: Int] { counts.withLock { $0 } }
    var allBytes: [String: Int] { bytes.withLock { $0 } }
}
