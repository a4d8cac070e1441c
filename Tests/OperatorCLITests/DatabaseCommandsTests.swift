import Foundation
import OperatorTestSupport
import Testing

extension EndToEnd {
    /// `--db postgres://…`, `operator db migrate` and `operator db copy` through the built binary, against a
    /// throwaway PostgreSQL server.
    @Suite("operator db migrate / copy and --db postgres://")
    struct DatabaseCommandsTests {
        static let fixture = PackagePaths.root.appendingPathComponent("Tests/OperatorCoreTests/Fixtures/v3-flapping.db").path

        @Test func migrateCopyAndListThroughPostgres() async throws {
            let server = try await TestPostgres.shared()
            let database = try await server.createDatabase()
            let url = server.url(database: database)
            let password = ["PGPASSWORD": server.password]

            let migrated = try await OperatorBinary.run(["db", "migrate", "--db", url, "--json"], environment: password)
            #expect(migrated.status == 0, "\(migrated.stderr)")
            let report = try #require(migrated.json as? [String: Any])
            #expect(report["schema_version"] as? String == "v2-leases")
            #expect(report["engine"] as? String == "postgresql")

            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let source = directory.file("history.db")
            try FileManager.default.copyItem(atPath: Self.fixture, toPath: source)
            let copied = try await OperatorBinary.run(["db", "copy", "--from", "sqlite:" + source, "--to", url], environment: password)
            #expect(copied.status == 0, "\(copied.stderr)")
            #expect(copied.stdout.contains("ticket") && copied.stdout.contains("4 -> 4") && !copied.stdout.contains("MISMATCH"))

            let again = try await OperatorBinary.run(["db", "copy", "--from", "sqlite:" + source, "--to", url], environment: password)
            #expect(again.status == 2)
            #expect(again.stderr.contains("already holds rows") && again.stderr.contains("--force"))

            let tickets = try await OperatorBinary.run(["tickets", "list", "--db", url, "--json"], environment: password)
            #expect(tickets.status == 0, "\(tickets.stderr)")
            let fromPostgres = try #require(tickets.json as? [[String: Any]])
            #expect(fromPostgres.count == 4)
            let local = try await OperatorBinary.run(["tickets", "list", "--db", "sqlite:" + source, "--json"])
            let fromSQLite = try #require(local.json as? [[String: Any]])
            for key in ["id", "entity", "invariant", "status", "occurrences", "incident_id", "message"] {
                #expect(fromPostgres.map { "\($0[key] ?? "nil")" } == fromSQLite.map { "\($0[key] ?? "nil")" }, "\(key) differs")
            }
        }

        @Test func aPasswordInTheURLIsUsedButNeverPrintedAndABadOneIsNamed() async throws {
            let server = try await TestPostgres.shared()
            let database = try await server.createDatabase()
            let withPassword = "postgres://postgres:\(server.password)@127.0.0.1:\(server.port)/\(database)?sslmode=disable"
            let migrated = try await OperatorBinary.run(["db", "migrate", "--db", withPassword])
            #expect(migrated.status == 0, "\(migrated.stderr)")
            #expect(!migrated.stdout.contains(server.password) && !migrated.stderr.contains(server.password))
            #expect(migrated.stdout.contains("127.0.0.1:\(server.port)/\(database)"))

            let wrong = "postgres://postgres:wrong-secret@127.0.0.1:\(server.port)/\(database)?sslmode=disable"
            let refused = try await OperatorBinary.run(["tickets", "list", "--db", wrong])
            #expect(refused.status == 2)
            #expect(refused.stderr.contains("127.0.0.1:\(server.port)/\(database)") && refused.stderr.contains("login refused"))
            #expect(!refused.stderr.contains("wrong-secret") && !refused.stdout.contains("wrong-secret"))

            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            try "\(server.password)\n".write(toFile: directory.file("pgpass"), atomically: true, encoding: .utf8)
            let fromFile = try await OperatorBinary.run(
                ["tickets", "list", "--db", server.url(database: database), "--db-password-file", directory.file("pgpass"), "--json"])
            #expect(fromFile.status == 0, "\(fromFile.stderr)")
        }
    }
}
