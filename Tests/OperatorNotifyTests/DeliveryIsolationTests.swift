import Foundation
import OperatorCore
import OperatorNotify
import OperatorTestSupport
import ServiceLifecycle
import Testing
import Logging

/// The delivery service over a real store and real HTTP: one receiver refusing or never answering does
/// not hold the others, its rows stay pending with their error, and they go out once it recovers.
@Suite("Notification delivery")
struct DeliveryIsolationTests {
    @Test func aFailingReceiverKeepsItsRowsAndBlocksNoOne() async throws {
        let healthy = try await ReceivingServer.start()
        defer { healthy.server.stop() }
        let refusing = try await ReceivingServer.start()
        defer { refusing.server.stop() }
        refusing.answer(.serviceUnavailable)
        let silent = try await MisbehavingHTTPServer.start(.neverAnswer)
        defer { silent.stop() }
        let all = Set(NotificationEvent.allCases)
        let fixture = try await OutboxFixture(routes: [
            NotificationRoute(receiver: "healthy", events: all), NotificationRoute(receiver: "refusing", events: all),
            NotificationRoute(receiver: "silent", events: all),
        ])
        defer { fixture.cleanup() }
        _ = try await fixture.incidentLife()

        let receivers: [any NotificationReceiver] = [
            WebhookReceiver(name: "healthy", url: healthy.baseURL + "/hook", secret: nil),
            WebhookReceiver(name: "refusing", url: refusing.baseURL + "/hook", secret: nil),
            // Never answers: each attempt waits its whole timeout, in its own loop.
            WebhookReceiver(name: "silent", url: silent.baseURL + "/hook", secret: nil, timeout: .seconds(30)),
        ]
        let service = NotificationDeliveryService(
            store: fixture.store, receivers: receivers,
            configuration: .init(pollInterval: .milliseconds(50), backoff: DeliveryBackoff(base: .milliseconds(50), cap: .milliseconds(200))),
            redactor: Redactor())
        var logger = Logger(label: "test.delivery")
        logger.logLevel = .error
        let group = ServiceGroup(services: [service], logger: logger)
        let running = Task { try await group.run() }
        defer { running.cancel() }

        // The healthy receiver gets all three while the silent one is still inside its first 30 s attempt.
        #expect(await healthy.waitUntil { $0.count >= 3 })
        #expect(await refusing.waitUntil { $0.count >= 3 }, "the refusing receiver is retried with backoff")
        let store = fixture.store
        let healthyRows = try await store.notifications(NotificationFilter(receiver: "healthy"))
        #expect(healthyRows.count == 3 && healthyRows.allSatisfy { $0.status == .sent })
        #expect(await waitFor { silent.accepted >= 1 }, "the silent receiver was tried too")
        let failing = try await store.notifications(NotificationFilter(status: .failed, receiver: "refusing"))
        #expect(failing.count == 1, "its first row failed and the later ones wait behind it, in order")
        #expect(failing.first?.lastError?.contains("HTTP 503") == true)
        #expect(failing.first?.lastError?.contains("/hook") == true)
        #expect(try await store.notifications(NotificationFilter(status: .sent, receiver: "refusing")).isEmpty)
        #expect(try await store.notifications(NotificationFilter(status: .sent, receiver: "silent")).isEmpty)
        // Only the incident's first row was ever tried: its later rows wait behind it, in order.
        let refusedKeys = Set(refusing.received.compactMap { $0.header("Idempotency-Key") })
        #expect(refusedKeys.count == 1)

        refusing.answer(.ok)
        #expect(
            await waitFor {
                (try? await store.notifications(NotificationFilter(status: .sent, receiver: "refusing")).count) == 3
            }, "once it answers, everything it owes goes out")
        let keys = refusing.received.compactMap { $0.header("Idempotency-Key") }
        #expect(Set(keys) == Set(healthyRows.map(\.idempotencyKey)))

        // The silent receiver's attempt is still waiting for an answer: stop by cancelling, as serve does
        // once its graceful-shutdown budget is spent.
        running.cancel()
        _ = try? await withHangGuard(limit: .seconds(120)) { try await running.value }
    }
}

/// Polls `condition` every 50 ms until it holds; the limit is a hang guard, not a timing assertion.
func waitFor(limit: Duration = .seconds(120), _ condition: @Sendable () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return await condition()
}
