/// One PD HTTP API route and the type its body decodes to.
public struct PDEndpoint<Response: Decodable & Sendable>: Sendable, CustomStringConvertible {
    /// Path under the PD client URL, with its query string (`/pd/api/v1/stores/check?state=up`).
    public let path: String
    /// The largest body this route may answer with, when tighter than the client's general cap: a body past
    /// it is refused as it arrives instead of being held and decoded.
    public let maxBodyBytes: Int?

    public init(_ path: String, maxBodyBytes: Int? = nil) {
        self.path = path
        self.maxBodyBytes = maxBodyBytes
    }

    public var description: String { path }
}

/// Region states PD's checker counts (`/regions/check/{state}`, `pd_regions_status{type="<state>-region-count"}`).
public enum PDRegionCheck: String, Sendable, CaseIterable, Codable {
    case missPeer = "miss-peer"
    case downPeer = "down-peer"
    case pendingPeer = "pending-peer"
    case offlinePeer = "offline-peer"
    case extraPeer = "extra-peer"
    case learnerPeer = "learner-peer"
    case emptyRegion = "empty-region"

    /// The `type` label of `pd_regions_status`, with hyphens (tikv-interfaces.md §2.2 — the official
    /// PD_miss_peer_region_count rule spells it with underscores and never fires, §2.3).
    public var metricType: String {
        self == .emptyRegion ? "empty-region-count" : "\(rawValue)-region-count"
    }
}

/// Store states accepted by `/stores/check?state=` (case-insensitive names).
public enum PDStoreStateFilter: String, Sendable, CaseIterable {
    case up, offline, tombstone, down, disconnected
}

/// The PD routes the TiKV subject reads (tikv-interfaces.md §1). It never reads `/pd/api/v1/regions`,
/// which lists every region.
public enum PDAPI {
    public static let prefix = "/pd/api/v1"

    public static let health = PDEndpoint<[PDMemberHealth]>(prefix + "/health")
    public static let members = PDEndpoint<PDMembers>(prefix + "/members")
    public static let leader = PDEndpoint<PDMember>(prefix + "/leader")
    public static let status = PDEndpoint<PDStatus>(prefix + "/status")
    public static let version = PDEndpoint<PDVersion>(prefix + "/version")
    /// Up and Offline stores (Tombstone excluded by default).
    public static let stores = PDEndpoint<PDStores>(prefix + "/stores")
    public static let statsRegion = PDEndpoint<PDRegionStats>(prefix + "/stats/region")
    /// Constant cost at any region count: PD keeps the count.
    public static let regionsCount = PDEndpoint<PDRegionsCount>(prefix + "/regions/count")
    public static let scheduleConfig = PDEndpoint<PDScheduleConfig>(prefix + "/config/schedule")
    public static let replicationConfig = PDEndpoint<PDReplicationConfig>(prefix + "/config/replicate")
    public static let cluster = PDEndpoint<PDCluster>(prefix + "/cluster")
    public static let clusterStatus = PDEndpoint<PDClusterStatus>(prefix + "/cluster/status")

    public static func storesCheck(_ states: [PDStoreStateFilter]) -> PDEndpoint<PDStores> {
        PDEndpoint(prefix + "/stores/check?" + states.map { "state=\($0.rawValue)" }.joined(separator: "&"))
    }

    public static func store(id: UInt64) -> PDEndpoint<PDStoreInfo> {
        PDEndpoint(prefix + "/store/\(id)")
    }

    /// The regions in a checker state. The body lists them: its size grows with the number of unhealthy
    /// regions (20–30 MB for one down store of 100 in a 1M-region cluster, tikv-at-scale.md §0), so monitor
    /// ticks read only its leading `count` (`PDClient.regionCheckCount`) and this serves diagnosis, with a
    /// cap to match.
    public static func regionsCheck(_ check: PDRegionCheck) -> PDEndpoint<PDRegionsInfo> {
        PDEndpoint(prefix + "/regions/check/" + check.rawValue, maxBodyBytes: 64 << 20)
    }

    /// Same route, decoding only `count` (after receiving the whole body: ticks use `PDClient.regionCheckCount`).
    public static func regionsCheckCount(_ check: PDRegionCheck) -> PDEndpoint<PDRegionsCount> {
        PDEndpoint(prefix + "/regions/check/" + check.rawValue)
    }
}
