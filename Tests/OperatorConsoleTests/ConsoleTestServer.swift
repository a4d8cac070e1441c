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

/// Latest tick statuses a test sets by hand or records from a real monitor's tick reports.
final class RecordedTickStatuses: ConsoleTickStatuses {
    private let latest = Mutex<[String: ConsoleTickStatus]>([:])

    func tickStatus(ofCluster cluster: String) async -> ConsoleTickStatus? { latest.withLock { $0[cluster] } }

    func set(_ status: ConsoleTickStatus) { latest.withLock { $0[status.cluster] = status } }

    /// What the monitor's status board publishes after a tick: evaluated = every invariant not skipped;
    /// unobservable when the tick saw nothing, degraded when blind or violated, healthy otherwise.
    func record(_ report: TickReport, cluster: String, subject: String, invariants: [String]) {
        let state: ConsoleClusterState =
            report.error != nil && report.outcome == nil && report.violations.isEmpty
            ? .unobservable : (report.degraded != nil || !report.violations.isEmpty ? .degraded : .healthy)
        set(ConsoleTickStatus(
            cluster: cluster, subject: subject, tick: report.tick, startedAt: report.startedAt,
            durationMs: Int(report.duration.components.seconds * 1000 + report.duration.components.attoseconds / 1_000_000_000_000_000),
            evaluated: invariants.filter { report.skipped[$0] == nil }, skipped: report.skipped,
            violations: report.violations.count, error: report.error, degradedReason: report.degraded, state: state))
    }
}
