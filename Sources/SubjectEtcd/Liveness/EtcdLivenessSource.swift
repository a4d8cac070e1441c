import Foundation
import Logging
import OperatorCore
import OperatorHTTP

/// etcd's liveness signals: one watch stream (`POST /v3/watch` on the v3 gateway, a stream that stays open
/// while the member lives) held to every member's client URL. A stream closed, then a reconnect refused
/// twice 100 ms apart, signals "look at this member now"; the tick that follows probes every member
/// directly and `member-down` decides as on any tick. A reset of a live member reconnects and signals
/// nothing.
///
/// Members come from the member list (asked of every endpoint, the first answer wins), read again every
/// `refresh`, so members added or removed are followed; nothing else is polled.
struct EtcdLivenessSource: LivenessSource {
    let endpoints: [String]
    let gateway: EtcdGatewayClient
    /// Told of every confirmed death, so the next observation probes with a short budget.
    let notices: EtcdDeathNotices
    var settings = ConnectionWatchSettings()
    var refresh: Duration = .seconds(30)
    let logger: Logger

    /// The key watched: nothing writes it, so the stream carries only its opening answer.
    static let watchedKey = "operator-liveness"

    func watch(signal: @escaping @Sendable (LivenessSignal) -> Void) async {
        let notices = notices, logger = logger
        await NodeConnectionWatch.follow(
            every: refresh, settings: settings, list: { await currentNodes() },
            onChange: { logger.debug("watching etcd members", metadata: ["members": "\($0.map(\.key).joined(separator: ","))"]) },
            onTrouble: { node, why in logger.warning("liveness watch of \(node.key) holds nothing: \(why)") }
        ) { node, seen in
            guard let entity = try? Entity(parsing: node.key) else { return }
            notices.post()
            signal(LivenessSignal(entity: entity, reason: seen))
        }
    }

    /// Every started member's watch target, or nil when no endpoint gave the list.
    private func currentNodes() async -> [WatchedNode]? {
        for endpoint in endpoints {
            guard let list = try? await gateway.memberList(at: endpoint) else { continue }
            return list.members.compactMap(Self.node).sorted { $0.key < $1.key }
        }
        return nil
    }

    static func node(_ member: EtcdGatewayMember) -> WatchedNode? {
        guard !member.name.isEmpty, let raw = member.clientURLs.first, let url = URL(string: raw), let host = url.host else {
            return nil
        }
        let https = url.scheme == "https"
        let port = url.port ?? (https ? 443 : 2379)
        let entity = Entity(kind: "member", id: member.name)
        // Over TLS the same watch request goes through the handshake (with the cluster's TLS settings).
        return WatchedNode(key: entity.description, host: host, port: port, greeting: watchRequest(host: host, port: port), tls: https)
    }

    /// An HTTP/1.1 watch request; the gateway answers with a chunked stream that stays open.
    static func watchRequest(host: String, port: Int) -> [UInt8] {
        let key = Data(watchedKey.utf8).base64EncodedString()
        let body = #"{"create_request":{"key":"\#(key)"}}"#
        let head =
            "POST /v3/watch HTTP/1.1\r\nHost: \(host):\(port)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n"
        return Array((head + body).utf8)
    }
}
