import Foundation
import OperatorCore
import OperatorTestSupport
import Synchronization
import Testing

extension EndToEnd {
    /// The outbox under SIGKILL: `operator serve` killed 20 times at random points while the simulator's
    /// stores go down and come back; every notification the database ever queued reaches the receiver at
    /// least once (at-least-once: duplicates are counted, never a loss).
    @Suite("notification outbox survives SIGKILL, end to end")
    struct OutboxCrashTests {
        typealias Helpers = DemoAndIncidentTests

        @Test("serve SIGKILLed 20 times while incidents open, are diagnosed and resolve: no notification lost")
        func killedServeLosesNoNotification() async throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let receiver = try await ReceivingServer.start()
            defer { receiver.server.stop() }
            let simulator = try OperatorBinary.start(["simulate", "run", "--port", "0", "--time-scale", "20", "--json"])
            defer { simulator.stop() }
            let endpoints = try await Helpers.waitForJSON(simulator)
            let control = try #require(URL(string: endpoints["control_url"] as? String ?? "")?.port)
            let pd = (endpoints["pd_urls"] as? [String] ?? []).joined(separator: ",")
            let db = dir.file("operator.db")
            let config = dir.file("operator.yaml")
            try """
                diagnosis: { diagnoser: offline }
                notify:
                  retry_base: 100ms
                  retry_cap: 1s
                  poll_interval: 100ms
                  receivers:
                    - { name: crash-test, type: webhook, url: "\(receiver.baseURL)/hook", secret_env: CRASH_TEST_SECRET }
                """.write(toFile: config, atomically: true, encoding: .utf8)
            let arguments = [
                "serve", "--subject", "tikv", "--endpoints", pd, "--interval", "300ms", "--resolve-after", "1", "--listen", "127.0.0.1:0",
                "--db", db, "--config", config,
            ]
            let environment = ["OPERATOR_API_TOKEN": "crash-test-token", "CRASH_TEST_SECRET": "crash-test-shared-secret"]

            // Stores go down and come back on their own schedule, unsynchronized with the kills.
            let faults = Task {
                var random = SeededRandom(seed: 18)
                while !Task.isCancelled {
                    let store = "store:\(random.pick([1, 2, 3]))"
                    _ = try? await OperatorBinary.run(["simulate", "fault", "store-down", store, "--port", "\(control)"])
                    try? await Task.sleep(for: .milliseconds(Int.random(in: 800...2500, using: &random)))
                    _ = try? await OperatorBinary.run(["simulate", "lift", "store-down", store, "--port", "\(control)"])
                    try? await Task.sleep(for: .milliseconds(Int.random(in: 800...2500, using: &random)))
                }
            }
            var random = SeededRandom(seed: 20)
            for _ in 1...20 {
                let serve = try OperatorBinary.start(arguments, environment: environment)
                defer { serve.stop() }
                try await Task.sleep(for: .milliseconds(Int.random(in: 300...3000, using: &random)))
                serve.signal(SIGKILL)
                _ = try await serve.wait(timeout: .seconds(30))
            }
            faults.cancel()
            _ = await faults.result
            for store in 1...3 { _ = try await OperatorBinary.run(["simulate", "lift", "store-down", "store:\(store)", "--port", "\(control)"]) }

            // One last serve, left running until the outbox is empty.
            let serve = try OperatorBinary.start(arguments, environment: environment)
            defer { serve.stop() }
            let store = try SQLiteTicketStore(path: db)
            try await Helpers.eventually("every outbox row sent", timeout: .seconds(180)) {
                let rows = try await store.notifications(NotificationFilter(receiver: "crash-test"))
                return !rows.isEmpty && rows.allSatisfy { $0.status == .sent }
            }
            let rows = try await store.notifications(NotificationFilter(receiver: "crash-test"))
            let received = receiver.received.compactMap { $0.header("Idempotency-Key") }
            let lost = Set(rows.map(\.idempotencyKey)).subtracting(received)
            #expect(lost.isEmpty, "queued but never received: \(lost.sorted())")
            let events = Dictionary(grouping: rows, by: \.event).mapValues(\.count)
            #expect((events[.opened] ?? 0) >= 1 && (events[.resolved] ?? 0) >= 1, "incidents opened and resolved: \(events)")
            let duplicates = received.count - Set(received).count
            print("outbox crash test: \(rows.count) events queued (\(events.map { "\($0.key.rawValue) \($0.value)" }.sorted().joined(separator: ", "))), \(received.count) deliveries, \(duplicates) duplicates, \(lost.count) lost")
            #expect(!serve.stderrSoFar.contains("crash-test-shared-secret"), "the secret is never logged")
        }
    }
}
