import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// A loopback HTTP server standing in for a notification receiver's endpoint (a webhook, Slack, Alertmanager's
/// API): keeps every POST (path, headers, exact
/// body bytes) and answers with the status the test sets (it can be changed while running).
public final class ReceivingServer: Sendable {
    public struct Received: Sendable {
        public var path: String
        /// Header names lowercased (HTTP names are case-insensitive); read them with `header(_:)`.
        public var headers: [String: String]
        public var body: Data

        public func header(_ name: String) -> String? { headers[name.lowercased()] }

        public var json: Any? { try? JSONSerialization.jsonObject(with: body) }
    }

    public let server: LoopbackServer
    private let log = Mutex<[Received]>([])
    private let status = Mutex<HTTPResponse.Status>(.ok)

    public var baseURL: String { server.baseURL }
    public var received: [Received] { log.withLock { $0 } }

    public func answer(_ status: HTTPResponse.Status) { self.status.withLock { $0 = status } }

    private init(server: LoopbackServer) { self.server = server }

    public static func start() async throws -> ReceivingServer {
        let box = Mutex<ReceivingServer?>(nil)
        let server = try await LoopbackServer.start { router in
            router.post("**") { request, _ -> CannedResponse in
                let body = Data(try await request.body.collect(upTo: 4 << 20).readableBytesView)
                var headers: [String: String] = [:]
                for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
                guard let me = box.withLock({ $0 }) else { return CannedResponse(status: .serviceUnavailable, body: "{}") }
                let status = me.status.withLock { $0 }
                me.log.withLock { $0.append(Received(path: request.uri.path, headers: headers, body: body)) }
                return CannedResponse(status: status, body: status == .ok ? "{}" : #"{"error":"refused by the test"}"#)
            }
        }
        let made = ReceivingServer(server: server)
        box.withLock { $0 = made }
        return made
    }

    /// Polls until `condition` holds (a hang guard of minutes, not a timing assertion).
    public func waitUntil(limit: Duration = .seconds(120), _ condition: @Sendable ([Received]) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if condition(received) { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return condition(received)
    }
}
