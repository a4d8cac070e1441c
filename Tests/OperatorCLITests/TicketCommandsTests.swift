import Foundation
import OperatorCore
import OperatorTestSupport
import Testing

extension EndToEnd {
    @Suite("operator tickets / incidents / diagnose on a real database")
    struct TicketCommandsTests {
        /// A database with one incident: a down node explaining a cluster-wide violation.
        func seeded() async throws -> (TemporaryDirectory, String) {
            let dir = try TemporaryDirectory()
            let path = dir.file("operator.db")
            let store = try SQLiteTicketStore(path: path)
            let down = Violation(invariant: "store-down", entity: "store:2", severity: .critical, message: "store 2 is Disconnected",
                                 excerpt: ["state_name": "Disconnected"])
            let degraded = Violation(invariant: "replication-degraded", entity: .cluster, severity: .warning, message: "12 regions miss a peer")
            _ = try await store.record(
                TickFindings(subject: "tikv", at: Date(), violations: [down], evaluated: ["store-down", "replication-degraded"]),
                policy: TicketPolicy())
            _ = try await store.record(
                TickFindings(subject: "tikv", at: Date(), violations: [down, degraded], evaluated: ["store-down", "replication-degraded"],
                             causalLinks: [CausalLink(cause: down.key, effect: degraded.key, reason: "its peers lived on store 2")]),
                policy: TicketPolicy())
            return (dir, path)
        }

        @Test func listPrintsEveryFieldAsSnakeCaseJSON() async throws {
            let (dir, db) = try await seeded()
            defer { dir.remove() }
            let r = try await OperatorBinary.run(["tickets", "list", "--db", db, "--json"])
            #expect(r.status == 0, "\(r.stderr)")
            let tickets = try #require(r.json as? [[String: Any]])
            #expect(tickets.count == 2)
            let first = try #require(tickets.first)
            for key in ["id", "subject", "invariant", "entity", "severity", "status", "message", "first_seen", "last_seen", "occurrences",
                        "resolved_at", "diagnosis", "snapshot_excerpt", "incident_id"] {
                #expect(first.keys.contains(key), "missing \(key)")
            }
            #expect(first["entity"] as? String == "store:2")
            #expect(first["status"] as? String == "created")
            #expect(tickets[0]["incident_id"] as? Int == tickets[1]["incident_id"] as? Int, "one incident for both")
        }

        @Test func statusFilterAndEnvironmentDatabase() async throws {
            let (dir, db) = try await seeded()
            defer { dir.remove() }
            let resolved = try await OperatorBinary.run(["tickets", "list", "--status", "resolved", "--json"], environment: ["OPERATOR_DB": db])
            #expect((resolved.json as? [Any])?.isEmpty == true)
            let bad = try await OperatorBinary.run(["tickets", "list", "--status", "closed", "--db", db])
            #expect(bad.status == 2)
            #expect(bad.stderr.contains("closed"))
        }

        @Test func showResolveAndAMissingTicket() async throws {
            let (dir, db) = try await seeded()
            defer { dir.remove() }
            let show = try await OperatorBinary.run(["tickets", "show", "1", "--db", db])
            #expect(show.status == 0)
            #expect(show.stdout.contains("Ticket #1: store-down on store:2"))
            #expect(show.stdout.contains("Not diagnosed yet"))
            let resolve = try await OperatorBinary.run(["tickets", "resolve", "1", "--db", db, "--note", "replaced the disk"])
            #expect(resolve.status == 0)
            #expect(resolve.stdout.contains("resolved"))
            let after = try await OperatorBinary.run(["tickets", "show", "1", "--db", db, "--json"])
            #expect((after.json as? [String: Any])?["status"] as? String == "resolved")
            let missing = try await OperatorBinary.run(["tickets", "show", "99", "--db", db])
            #expect(missing.status == 1)
            #expect(missing.stderr.contains("no ticket #99"))
        }

        @Test func aMissingDatabaseIsAnErrorNotAnEmptyList() async throws {
            let r = try await OperatorBinary.run(["tickets", "list", "--db", "/nonexistent/dir/operator.db"])
            #expect(r.status == 2)
            #expect(r.stderr.contains("/nonexistent/dir/operator.db"))
        }

        @Test func incidentsShowTheRootAndItsMembers() async throws {
            let (dir, db) = try await seeded()
            defer { dir.remove() }
            let list = try await OperatorBinary.run(["incidents", "list", "--db", db, "--json"])
            let incidents = try #require(list.json as? [[String: Any]])
            #expect(incidents.count == 1)
            #expect(incidents[0]["root_entity"] as? String == "store:2")
            #expect((incidents[0]["ticket_ids"] as? [Int])?.count == 2)
            let show = try await OperatorBinary.run(["incidents", "show", "1", "--db", db])
            #expect(show.stdout.contains("root      store-down on store:2"))
            #expect(show.stdout.contains("replication-degraded"))
            #expect(show.stdout.contains("joined"))
        }

        @Test func anUnknownDiagnoserOrAMissingKeyIsBadUsage() async throws {
            let (dir, db) = try await seeded()
            defer { dir.remove() }
            let unknown = try await OperatorBinary.run(["diagnose", "--incident", "1", "--diagnoser", "oracle", "--db", db])
            #expect(unknown.status == 2)
            #expect(unknown.stderr.contains("known diagnosers: offline, anthropic, openai"))
            let noKey = try await OperatorBinary.run(["diagnose", "--incident", "1", "--diagnoser", "anthropic", "--db", db])
            #expect(noKey.status == 2)
            #expect(noKey.stderr.contains("ANTHROPIC_API_KEY"))
            let replayFirst = try await OperatorBinary.run(["diagnose", "--incident", "1", "--replay", "--db", db])
            #expect(replayFirst.status == 1)
            #expect(replayFirst.stderr.contains("no stored diagnosis context"))
        }
    }
}

extension EndToEnd {
    @Suite("operator usage errors")
    struct UsageTests {
        @Test func unknownSubjectsAndFlagsExitTwoNamingTheInput() async throws {
            let subject = try await OperatorBinary.run(["check", "--subject", "cassandra"])
            #expect(subject.status == 2)
            #expect(subject.stderr.contains("unknown subject \"cassandra\""))
            let flag = try await OperatorBinary.run(["check", "--bogus"])
            #expect(flag.status == 2)
            #expect(flag.stderr.contains("--bogus"))
        }

        @Test func aConfigFileWithATypoIsRejectedByName() async throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            try "subject: tikv\nintervall: 5s\n".write(toFile: dir.file("operator.yaml"), atomically: true, encoding: .utf8)
            let r = try await OperatorBinary.run(["check"], directory: dir.path)
            #expect(r.status == 2)
            #expect(r.stderr.contains("unknown setting \"intervall\""))
            try "subject: [tikv\n".write(toFile: dir.file("broken.yaml"), atomically: true, encoding: .utf8)
            let broken = try await OperatorBinary.run(["check", "--config", dir.file("broken.yaml")])
            #expect(broken.status == 2)
            #expect(broken.stderr.contains("not valid YAML"))
        }

        @Test func helpExplainsEveryCommand() async throws {
            let r = try await OperatorBinary.run(["--help"])
            #expect(r.status == 0)
            for command in ["subjects", "status", "check", "monitor", "tickets", "incidents", "diagnose"] {
                #expect(r.stdout.contains(command))
            }
            let check = try await OperatorBinary.run(["check", "--help"])
            #expect(check.stdout.contains("0 healthy, 1 violations found, 2"))
        }
    }
}
