import Foundation
import Logging
import OperatorCore
import OperatorHTTP
import OperatorTestSupport
import Testing

@testable import SubjectTiKV

/// What `operator monitor` wires in (OperatorCLI's `InFlightHTTPRequests`): the HTTP registry seen through
/// the core's protocol.
struct TrackedHTTPRequests: PendingWorkTracker {
    let registry = InFlightRequests()
    func track<T: Sendable>(_ operation: @Sendable () async throws -> T) async throws -> T { try await registry.tracking(operation) }
    func pending() -> [String] { registry.snapshot().map(\.description) }
}

/// A tick that runs out of budget names the request it was stuck on, so the operator knows which
/// endpoint was slow, not only that "observation did not finish".
@Suite struct TickTimeoutTests {
    @Test func aTickTimeoutNamesTheSlowURLAndHowFarItGot() async throws {
        let stores = try Fixtures.text("pd/stores.json")
        let server = try await MisbehavingHTTPServer.start(.dripBody(body: stores, interval: .milliseconds(300)))
        defer { server.stop() }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // The request budget is above the tick budget here, so only the tick timeout can end the wait.
        let subject = try TiKVSubject(configuration: SubjectConfiguration(endpoints: [server.baseURL], requestTimeout: .seconds(120)))
        let monitor = MonitorService(
            subject: subject, store: try SQLiteTicketStore(path: directory.file("operator.db")),
            configuration: MonitorConfiguration(interval: .seconds(1), tickTimeout: .seconds(8)), logger: Logger(label: "test"),
            pendingWork: TrackedHTTPRequests())
        let report = try await withHangGuard {
            var failures = 0
            return await monitor.runTick(number: 1, consecutiveFailures: &failures)
        }
        let error = try #require(report?.error, "a tick against a stalled PD reported no error")
        #expect(error.contains("observation did not finish within 8s"), "\(error)")
        #expect(error.contains("still waiting on GET \(server.baseURL)/pd/api/v1/"), "\(error)")
        #expect(error.contains("reading the body"), "\(error)")
        #expect(error.contains("bytes so far"), "\(error)")
        // The tick gave up on the request: its connection is closed, not left reading.
        #expect(await server.waitForClientCloses(1))
    }
}
