import Foundation
import GRDB
import OperatorCore
import OperatorTestSupport
import Testing

/// A database written before clusters existed (`Fixtures/v3-flapping.db`, made by the operator of that
/// time; see `Fixtures/README.md`) upgrades in place: every row survives in cluster `default`, and the
/// upgraded file keeps working.
@Suite("Ticket database upgrade to clusters")
struct DatabaseUpgradeTests {
    /// A copy of the fixture in a temporary directory (the committed file is never written).
    func copyOfFixture() throws -> (TemporaryDirectory, String) {
        let dir = try TemporaryDirectory(prefix: "operator-upgrade")
        let path = dir.file("v3.db")
        let fixture = PackagePaths.root.appendingPathComponent("Tests/OperatorCoreTests/Fixtures/v3-flapping.db").path
        try FileManager.default.copyItem(atPath: fixture, toPath: path)
        return (dir, path)
    }

    /// The rows as the old schema holds them, read with plain SQL before the upgrade.
    struct OldRows {
        var tickets: [Row]
        var incidents: [Row]
        var heartbeats: Int
        var diagnoses: [Row]
        var events: Int
        var migrations: [String]
    }

    func readOld(_ path: String) throws -> OldRows {
        var config = Configuration()
        config.readonly = true
        return try DatabaseQueue(path: path, configuration: config).read { db in
            OldRows(
                tickets: try Row.fetchAll(db, sql: "SELECT * FROM ticket ORDER BY id"),
                incidents: try Row.fetchAll(db, sql: "SELECT * FROM incident ORDER BY id"),
                heartbeats: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM heartbeat") ?? -1,
                diagnoses: try Row.fetchAll(db, sql: "SELECT id, incident_id, diagnoser, body FROM diagnosis ORDER BY id"),
                events: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM event") ?? -1,
                migrations: try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations"))
        }
    }

    @Test func everyRowOfAnOldDatabaseSurvivesTheUpgradeInClusterDefault() async throws {
        let (dir, path) = try copyOfFixture()
        defer { dir.remove() }
        let old = try readOld(path)
        #expect(old.migrations == ["v1-tickets", "v2-incidents", "v3-flapping"], "the fixture is a v3 database")
        #expect(old.tickets.count == 4 && old.incidents.count == 3 && old.diagnoses.count == 3 && old.heartbeats == 35)
        #expect(Set(old.tickets.map { $0["status"] as String }) == ["resolved", "diagnosed"], "open and resolved tickets")

        let store = try SQLiteTicketStore(path: path)
        #expect(try await store.integrityCheck() == ["ok"])

        let tickets = try await store.tickets(.all)
        #expect(tickets.map(\.id) == old.tickets.map { $0["id"] as Int64 })
        for (ticket, row) in zip(tickets, old.tickets) {
            #expect(ticket.cluster == "default")
            #expect(ticket.subject == row["subject"] as String)
            #expect(ticket.invariant == row["invariant"] as String)
            #expect(ticket.entity.description == row["entity"] as String)
            #expect(ticket.status.rawValue == row["status"] as String)
            #expect(ticket.message == row["message"] as String)
            #expect(ticket.occurrences == row["occurrences"] as Int)
            #expect(ticket.incidentID == row["incident_id"] as Int64?)
            #expect(ticket.firstSeen == row["first_seen"] as Date)
            #expect(ticket.snapshotExcerpt != .null, "the excerpt that proved the violation is kept")
        }

        let incidents = try await store.incidents(IncidentFilter(includeMerged: true))
        #expect(incidents.map(\.id) == old.incidents.map { $0["id"] as Int64 })
        for (incident, row) in zip(incidents, old.incidents) {
            #expect(incident.cluster == "default")
            #expect(incident.status.rawValue == row["status"] as String)
            #expect(incident.rootEntity.description == row["root_entity"] as String)
            #expect(incident.title == row["title"] as String)
            #expect(incident.diagnosis != nil, "each incident of the fixture was diagnosed")
            #expect(incident.acknowledgedBy == nil && incident.acknowledgedAt == nil)
            #expect(!(try await store.timeline(incidentID: incident.id)).isEmpty)
            #expect(try await store.diagnosisContext(incidentID: incident.id) != nil, "the stored context replays")
        }
        #expect(try await store.incidents(IncidentFilter(cluster: "default")).count == 3)
        #expect(try await store.incidents(IncidentFilter(cluster: "other")).isEmpty)

        let beats = try await store.heartbeats(cluster: "default", subject: "tikv", limit: 1000)
        #expect(beats.count == old.heartbeats)
        #expect(beats.allSatisfy { $0.cluster == "default" })

        let (diagnoses, events, clusters, fkProblems) = try readNew(path)
        #expect(diagnoses == old.diagnoses.count)
        #expect(events == old.events)
        #expect(clusters == ["default"], "every diagnosis row is in cluster default")
        #expect(fkProblems == 0)
    }

    /// Counts read back with SQL after the upgrade, and the foreign-key check the rebuild must pass.
    func readNew(_ path: String) throws -> (diagnoses: Int, events: Int, clusters: Set<String>, fkProblems: Int) {
        try DatabaseQueue(path: path).read { db in
            (
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM diagnosis") ?? -1,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM event") ?? -1,
                Set(try String.fetchAll(db, sql: "SELECT DISTINCT cluster FROM diagnosis")),
                try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").count
            )
        }
    }

    @Test func anUpgradedDatabaseDeduplicatesAgainstItsOldTickets() async throws {
        let (dir, path) = try copyOfFixture()
        defer { dir.remove() }
        let store = try SQLiteTicketStore(path: path)
        let before = try await store.tickets(.all)
        let open = try #require(before.first { $0.status.isOpen }, "the fixture has an open ticket")
        let resolved = try #require(before.first { $0.status == .resolved && $0.invariant == open.invariant })
        let now = try #require(before.map(\.lastSeen).max()).addingTimeInterval(5)

        // The monitor of a single-cluster config writes cluster `default`, as it now does.
        let findings = TickFindings(
            subject: open.subject, at: now,
            violations: [
                Violation(invariant: open.invariant, entity: open.entity, severity: .critical, message: "still down"),
                Violation(invariant: resolved.invariant, entity: resolved.entity, severity: .critical, message: "down again"),
            ],
            evaluated: [open.invariant])
        let outcome = try await store.recordTick(
            findings,
            heartbeat: Heartbeat(subject: open.subject, tick: 1, startedAt: now, durationMs: 3, violations: 2, openTickets: 0, error: nil),
            policy: TicketPolicy())

        #expect(outcome.opened.isEmpty, "no duplicate of an old ticket")
        #expect(outcome.updated.map(\.id) == [open.id], "the old open ticket is bumped")
        #expect(outcome.reopened.map(\.id) == [resolved.id], "the old resolved ticket reopens")
        let after = try await store.tickets(.all)
        #expect(after.count == before.count)
        #expect(after.first { $0.id == open.id }?.occurrences == open.occurrences + 1)
        #expect(try await store.heartbeats(cluster: "default", subject: open.subject, limit: 1).first?.tick == 1)

        // Another cluster of the same subject seeing the same violation gets its own ticket.
        var elsewhere = findings
        elsewhere.cluster = "west"
        let west = try await store.record(elsewhere, policy: TicketPolicy())
        #expect(west.opened.count == 2)
        #expect(west.opened.allSatisfy { $0.cluster == "west" })
        #expect(try await store.tickets(.all).count == before.count + 2)
    }

    @Test func reopeningTheUpgradedFileMigratesNothingTwice() async throws {
        let (dir, path) = try copyOfFixture()
        defer { dir.remove() }
        _ = try SQLiteTicketStore(path: path)
        let second = try SQLiteTicketStore(path: path)
        #expect(try await second.tickets(.all).count == 4)
        let migrations = try await DatabaseQueue(path: path).read { db in
            try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
        }
        #expect(migrations == ["v1-tickets", "v2-incidents", "v3-flapping", "v4-clusters", "v5-outbox", "v6-alert-intake", "v7-leases"])
    }
}
