import AsyncHTTPClient
import Foundation
import Hummingbird
import OperatorConsole
import OperatorCore
import OperatorTestSupport
import Synchronization

/// The console's routes on a real HTTP server (loopback, an OS-chosen port).
enum ConsoleTestServer {
    static func start(source: some ConsolePageSource) async throws -> LoopbackServer {
        let router = Router()
        try ConsoleRoutes.add(to: router, source: source)
        return try await LoopbackServer.start(router: router)
    }
}

struct PageReply {
    var status: Int
    var headers: [String: String]
    var body: String
}

/// A plain GET, as a browser's first request would be.
func getPage(_ url: String) async throws -> PageReply {
    let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(60))
    let body = try await response.body.collect(upTo: 16 * 1024 * 1024)
    var headers: [String: String] = [:]
    for h in response.headers { headers[h.name.lowercased()] = h.value }
    return PageReply(status: Int(response.status.code), headers: headers, body: String(buffer: body))
}

/// Latest tick statuses a test sets by hand.
final class RecordedTickStatuses: ConsoleTickStatuses {
    private let latest = Mutex<[String: ClusterTickStatus]>([:])

    func tickStatus(ofCluster cluster: String) async -> ClusterTickStatus? { latest.withLock { $0[cluster] } }

    func set(_ status: ClusterTickStatus) { latest.withLock { $0[status.cluster] = status } }
}
