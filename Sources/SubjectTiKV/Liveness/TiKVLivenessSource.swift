import Foundation
import Logging
import OperatorCore
import OperatorHTTP

/// TiKV's liveness signals. PD's `/stores` keeps a dead store Up until 20 s without a heartbeat
/// (tikv-interfaces.md §1.2), so the connection is the early word: one kept-alive HTTP connection to each
/// store's status port (`GET /status`, an empty 200: tikv-at-scale.md §2) and to each PD member's client
/// URL (`GET /pd/api/v1/ping`: tikv-interfaces.md §1.1). Lost, then refused twice 100 ms apart, it marks the
/// store (its status endpoint is read on the next tick) and signals; `store-down` on that tick says what
/// was seen and what PD still reports.
///
/// Stores and members come from PD, read again every `refresh`.
struct TiKVLivenessSource: LivenessSource {
    let pd: PDClient
    let marks: StoreLivenessMarks
    /// PD is reached over https: store status ports serve TLS too (a bare status address gets https).
    var secure = false
    var settings = ConnectionWatchSettings()
    var refresh: Duration = .seconds(30)
    let logger: Logger

    func watch(signal: @escaping @Sendable (LivenessSignal) -> Void) async {
        let marks = marks, logger = logger
        await NodeConnectionWatch.follow(
            every: refresh, settings: settings, list: { await currentNodes() },
            onChange: { logger.debug("watching TiKV stores and PD members", metadata: ["nodes": "\($0.count)"]) },
            onTrouble: { node, why in logger.warning("liveness watch of \(node.key) holds nothing: \(why)") }
        ) { node, seen in
            guard let entity = try? Entity(parsing: node.key) else { return }
            if entity.kind == "store", let id = entity.id.flatMap({ UInt64($0) }) {
                marks.mark(store: id, seen: seen)
            }
            signal(LivenessSignal(entity: entity, reason: seen))
        }
    }

    /// Every live-listed store's status port and every PD member; nil when PD gave neither list.
    private func currentNodes() async -> [WatchedNode]? {
        let pd = self.pd
        async let storesAnswer = try? pd.get(PDAPI.stores)
        async let membersAnswer = try? pd.get(PDAPI.members)
        let (stores, members) = await (storesAnswer, membersAnswer)
        guard stores != nil || members != nil else { return nil }
        var nodes: [WatchedNode] = []
        for info in stores?.stores ?? [] where info.store.state != .tombstone {
            guard let address = info.store.statusAddress, let (host, port) = Self.hostPort(address) else { continue }
            let entity = Entity(kind: "store", id: String(info.store.id))
            let tls = TiKVObserver.statusURL(address, secure: secure).lowercased().hasPrefix("https://")
            nodes.append(WatchedNode(
                key: entity.description, host: host, port: port, greeting: Self.request("/status", host: host, port: port), tls: tls))
        }
        for member in members?.members ?? [] {
            guard let name = member.name, !name.isEmpty, let raw = member.clientURLs?.first, let url = URL(string: raw),
                let host = url.host
            else { continue }
            let https = url.scheme == "https"
            let port = url.port ?? (https ? 443 : 2379)
            let entity = Entity(kind: "pd", id: name)
            let greeting = Self.request("\(PDAPI.prefix)/ping", host: host, port: port)
            nodes.append(WatchedNode(key: entity.description, host: host, port: port, greeting: greeting, tls: https))
        }
        return nodes.sorted { $0.key < $1.key }
    }

    /// `host:port` (PD's `status_address`, no scheme), or a URL.
    static func hostPort(_ address: String) -> (String, Int)? {
        let text = address.contains("://") ? address : "http://\(address)"
        guard let url = URL(string: text), let host = url.host, let port = url.port else { return nil }
        return (host, port)
    }

    /// A keep-alive HTTP/1.1 GET: answered once, then the connection stays open while the server lives.
    static func request(_ path: String, host: String, port: Int) -> [UInt8] {
        Array("GET \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nUser-Agent: operator-liveness\r\n\r\n".utf8)
    }
}
