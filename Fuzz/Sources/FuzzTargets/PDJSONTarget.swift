import Foundation
import OperatorCore
import SubjectTiKV

/// PD HTTP API bodies through `PDResponseDecoder`, exactly what `PDClient` runs. The first byte picks the
/// endpoint (seeds in `corpus/FuzzPDJSON` start with it); the rest is the body. A decoded store list goes on
/// through `TiKVObserver.view` and every TiKV invariant, as `operator check` would take it.
public enum PDJSONTarget {
    static let decoders: [@Sendable (Data) throws -> Void] = [
        { try decode(PDAPI.health, $0) },
        { try decode(PDAPI.members, $0) },
        { try decode(PDAPI.leader, $0) },
        { try decode(PDAPI.status, $0) },
        { try decode(PDAPI.version, $0) },
        { evaluate(try decode(PDAPI.stores, $0)) },
        { try decode(PDAPI.statsRegion, $0) },
        { try decode(PDAPI.regionsCount, $0) },
        { try decode(PDAPI.scheduleConfig, $0) },
        { try decode(PDAPI.replicationConfig, $0) },
        { try decode(PDAPI.cluster, $0) },
        { try decode(PDAPI.clusterStatus, $0) },
        { try decode(PDAPI.store(id: 1), $0) },
        { try decode(PDAPI.regionsCheck(.missPeer), $0) },
    ]

    /// The selector byte for each endpoint, in `decoders` order (the seed corpus uses these).
    public static let endpointNames = [
        "health", "members", "leader", "status", "version", "stores", "stats_region", "regions_count",
        "config_schedule", "config_replicate", "cluster", "cluster_status", "store", "regions_check",
    ]

    public static func run(_ input: Data) {
        guard let selector = input.first else { return }
        let body = input.dropFirst()
        _ = try? decoders[Int(selector) % decoders.count](Data(body))
    }

    @discardableResult
    static func decode<T>(_ endpoint: PDEndpoint<T>, _ body: Data) throws -> T {
        let value = try PDResponseDecoder.decode(T.self, status: 200, body: body, endpoint: endpoint.path, url: "fuzz")
        if let encodable = value as? any Encodable { _ = try? JSONEncoder.operatorEncoder.encode(encodable) }
        _ = String(describing: value)
        return value
    }

    static func evaluate(_ stores: PDStores) {
        let now = Date()
        var snapshot = TiKVSnapshot(observedAt: now, pdEndpoint: "fuzz")
        snapshot.stores = stores.stores.map { TiKVObserver.view($0, at: now) }
        for invariant in TiKVInvariants.all(TiKVThresholds()) {
            _ = invariant.unavailableReason(in: snapshot)
            _ = invariant.evaluate(snapshot)
        }
        _ = snapshot.statusLines()
        _ = try? JSONEncoder.operatorEncoder.encode(snapshot)
    }
}
