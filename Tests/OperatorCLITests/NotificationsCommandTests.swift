import Foundation
import OperatorCore
import OperatorTestSupport
import Testing

extension EndToEnd {
    /// `operator notifications list|retry` on a database whose outbox was filled by the store's own paths.
    @Suite("operator notifications")
    struct NotificationsCommandTests {
        @Test("list filters by status (failed = pending with an error), --json rows, retry makes a row due, an unknown id says how to list")
        func listAndRetry() async throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let db = dir.file("operator.db")
            let store = try SQLiteTicketStore(path: db)
            try await store.registerNotificationRoutes([NotificationRoute(receiver: "hook", events: [.opened])])
            let now = Date()
            for entity in ["node:n1", "node:n2"] as [Entity] {
                _ = try await store.record(
                    TickFindings(
                        subject: "fake", at: now,
                        violations: [Violation(invariant: "node-down", entity: entity, severity: .critical, message: "down")],
                        evaluated: ["node-down"]),
                    policy: TicketPolicy())
            }
            let rows = try await store.notifications(NotificationFilter())
            #expect(rows.count == 2)
            let failing = try #require(rows.last)
            try await store.markNotificationFailed(id: failing.id, error: "hook at http://127.0.0.1:1/hook: answered HTTP 503", at: now, nextAttemptAt: now.addingTimeInterval(600))

            let all = try await OperatorBinary.run(["notifications", "list", "--db", db, "--json"])
            #expect(all.status == 0, "\(all.stderr)")
            let listed = try #require(all.json as? [[String: Any]])
            #expect(listed.count == 2)
            #expect(Set(listed.compactMap { $0["idempotency_key"] as? String }) == Set(rows.map(\.idempotencyKey)))

            let failed = try await OperatorBinary.run(["notifications", "list", "--status", "failed", "--db", db, "--json"])
            let failedRows = try #require(failed.json as? [[String: Any]])
            #expect(failedRows.count == 1)
            #expect(failedRows.first?["last_error"] as? String == "hook at http://127.0.0.1:1/hook: answered HTTP 503")
            #expect((failedRows.first?["attempts"] as? NSNumber)?.intValue == 1)

            let table = try await OperatorBinary.run(["notifications", "list", "--db", db])
            #expect(table.stdout.contains("failed") && table.stdout.contains("HTTP 503") && table.stdout.contains("hook"))

            let retried = try await OperatorBinary.run(["notifications", "retry", "\(failing.id)", "--db", db])
            #expect(retried.status == 0, "\(retried.stderr)")
            #expect(retried.stdout.contains("due now"))
            let after = try #require(try await store.notifications(NotificationFilter()).first { $0.id == failing.id })
            #expect(after.attempts == 0 && after.status == .pending && after.nextAttemptAt <= Date())

            let unknown = try await OperatorBinary.run(["notifications", "retry", "99999", "--db", db])
            #expect(unknown.status != 0)
            #expect(unknown.stderr.contains("operator notifications list"), "\(unknown.stderr)")

            let bad = try await OperatorBinary.run(["notifications", "list", "--status", "lost", "--db", db])
            #expect(bad.status != 0 && bad.stderr.contains("lost"))
        }

        @Test("serve refuses to start when a receiver's secret is missing (exit 2, naming the variable) or a notify key is unknown")
        func serveChecksReceiversAtStart() async throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let config = dir.file("operator.yaml")
            try """
                notify:
                  receivers:
                    - { name: hook, type: webhook, url: "http://127.0.0.1:9/hook", secret_env: OPERATOR_TEST_MISSING_SECRET }
                """.write(toFile: config, atomically: true, encoding: .utf8)
            let arguments = [
                "serve", "--subject", "tikv", "--endpoints", "http://127.0.0.1:9", "--listen", "127.0.0.1:0", "--db", dir.file("operator.db"),
                "--config", config,
            ]
            let missing = try await OperatorBinary.run(arguments, timeout: .seconds(60))
            #expect(missing.status == 2, "\(missing.stderr)")
            #expect(missing.stderr.contains("OPERATOR_TEST_MISSING_SECRET") && missing.stderr.contains("not set"))

            try "notify: { receivers: [{ name: hook, type: webhook, url: \"http://127.0.0.1:9/hook\", colour: red }] }"
                .write(toFile: config, atomically: true, encoding: .utf8)
            let unknown = try await OperatorBinary.run(arguments, timeout: .seconds(60))
            #expect(unknown.status == 2)
            #expect(unknown.stderr.contains("notify.receivers[hook].colour"), "\(unknown.stderr)")
        }
    }
}
