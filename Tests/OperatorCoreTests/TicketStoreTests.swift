import Foundation
import OperatorCore
import Testing

/// The ticket-store contract: every test taking a `StoreKind` runs on SQLite and on PostgreSQL.
@Suite("Ticket store (SQLite and PostgreSQL)")
struct TicketStoreTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    let policy = TicketPolicy(resolveAfterAbsentTicks: 3)
    let evaluated: Set<String> = ["node-down", "quorum-lost", ObservationFailure.invariantID]

    func tick(_ store: any TicketStore, _ second: Double, _ violations: [Violation], links: [CausalLink] = [],
              evaluated: Set<String>? = nil) async throws -> TickOutcome
    {
        try await store.record(
            TickFindings(subject: "fake", at: t0.addingTimeInterval(second), violations: violations,
                         evaluated: evaluated ?? self.evaluated, causalLinks: links),
            policy: policy)
    }

    @Test(arguments: StoreKind.allCases) func aViolationSeenOnSeveralTicksIsOneTicket(_ kind: StoreKind) async throws {
        let contract = try await ContractStore(kind)
        defer { contract.cleanup() }
        let store = contract.store
        let v = Violation.fake("node-down", "node:n2")

        let first = try await tick(store, 0, [v])
        #expect(first.opened.count == 1)
        let second = try await tick(store, 5, [v])
        #expect(second.opened.isEmpty)
        #expect(second.updated.count == 1)
        _ = try await tick(store, 10, [v])

        let tickets = try await store.tickets(.all)
        #expect(tickets.count == 1)
        let t = try #require(tickets.first)
        #expect(t.occurrences == 3)
        #expect(t.status == .created)
        #expect(t.firstSeen == t0)
        #expect(abs(t.lastSeen.timeIntervalSince(t0.addingTimeInterval(10))) < 0.01)
        #expect(t.entity == "node:n2")
        #expect(t.incidentID != nil)
    }

    @Test(arguments: StoreKind.allCases) func aTicketResolvesAfterThreeAbsentTicksAndNotBefore(_ kind: StoreKind) async throws {
        let contract = try await ContractStore(kind)
        defer { contract.cleanup() }
        let store = contract.store
        _ = try await tick(store, 0, [.fake("node-down", "node:n2")])
        _ = try await tick(store, 5, [])
        _ = try await tick(store, 10, [])
        #expect(try await store.tickets(.open).count == 1, "two absent ticks are not enough")
        let third = try await tick(store, 15, [])
        #expect(third.resolved.map(\.entity) == ["node:n2"])
        let t = try #require(try await store.tickets(.all).first)
        #expect(t.status == .resolved)
        #expect(t.resolvedAt != nil)
    }

    @Test(arguments: StoreKind.allCases) func anAbsenceInterruptedByARecurrenceStartsCountingAgain(_ kind: StoreKind) async throws {
        let contract = try await ContractStore(kind)
        defer { contract.cleanup() }
        let store = contract.store
        let v = Violation.fake("node-down", "node:n2")
        _ = try await tick(store, 0, [v])
        _ = try await tick(store, 5, [])
        _ = try await tick(store, 10, [])
        _ = try await tick(store, 15, [v])  // flaps back
        _ = try await tick(store, 20, [])
        _ = try await tick(store, 25, [])
        #expect(try await store.tickets(.open).count == 1)
    }

    @Test(arguments: StoreKind.allCases) func anInvariantThatWasNotEvaluatedDoesNotAgeItsTickets(_ kind: StoreKind) async throws {
        let contract = try await ContractStore(kind)
        defer { contract.cleanup() }
        let store = contract.store
        _ = try await tick(store, 0, [.fake("node-down", "node:n2")])
        for s in 1...5 { _ = try await tick(store, Double(s * 5), [], evaluated: ["quorum-lost"]) }
        #expect(try await store.tickets(.open).count == 1)
    }

    @Test(arguments: StoreKind.allCases) func aRecurrenceAfterResolvingReopensTheSameTicket(_ kind: StoreKind) async throws {
        let contract = try await ContractStore(kind)
        defer { contract.cleanup() }
        let store = contract.store
        let v = Violation.fake("node-down", "node:n2")
        _ = try await tick(store, 0, [v])
        for s in 1...3 { _ = try await tick(store, Double(s * 5), []) }
        let out = try await tick(store, 30, [v])
        #expect(out.reopened.count == 1)
        #expect(out.opened.isEmpty)
        let all = try await store.tickets(.all)
        #expect(all.count == 1)
        let t = try #require(all.first)
        #expect(t.status == .created)
        #expect(t.reopenCount == 1)
        #expect(t.occurrences == 2)
        #expect(t.resolvedAt == nil)
    }

    @Test(arguments: StoreKind.allCases) func observationFailureClearsOnTheFirstGoodTick(_ kind: StoreKind) async throws {
        let contract = try await ContractStore(kind)
        defer { contract.cleanup() }
        let store = contract.store
        let failed = Violation(invariant: ObservationFailure.invariantID, entity: .cluster, severity: .critical, message: "refused")
        _ = try await tick(store, 0, [failed], evaluated: [ObservationFailure.invariantID])
        #expect(try await store.tickets(.open).map(\.invariant) == [ObservationFailure.invariantID])
        let ok = try await tick(store, 5, [])
        #expect(ok.resolved.map(\.invariant) == [ObservationFailure.invariantID])
    }

    @Test(arguments: StoreKind.allCases) func statusGoesCreatedDiagnosedResolved(_ kind: StoreKind) async throws {
        let contract = try await ContractStore(kind)
        defer { contract.cleanup() }
        let store = contract.store
        let out = try await tick(store, 0, [.fake("node-down", "node:n2")])
        let ticket = try #require(out.opened.first)
        let incidentID = try #require(ticket.incidentID)
        #expect(ticket.status == .created)

        let context = DiagnosisContext(
            subject: "fake", incident: ContextIncident(id: incidentID, rootEntity: "node:n2", rootInvariant: "node-down", title: "t"),
            tickets: [ContextTicket(ticket)], otherOpenTickets: [], taxonomy: [], evidence: DiagnosisEvidence(), builtAt: t0)
        try await store.recordDiagnosis(sampleDiagnosis(), context: context, incidentID: incidentID, at: t0.addingTimeInterval(1))
        let diagnosed = try #require(try await store.ticket(id: ticket.id))
        #expect(diagnosed.status == .diagnosed)
        #expect(diagnosed.diagnosis?.rootCause.category == "node-down")
        #expect(try await store.incident(id: incidentID)?.status == .diagnosed)
        #expect(try await store.diagnosisContext(incidentID: incidentID) == context)

        let resolved = try await store.resolveTicket(id: ticket.id, at: t0.addingTimeInterval(2), note: "fixed by hand")
        #expect(resolved.status == .resolved)
        #expect(try await store.incident(id: incidentID)?.status == .resolved)
        let kinds = try await store.timeline(incidentID: incidentID).map(\.kind)
        #expect(kinds.contains(.opened) && kinds.contains(.diagnosed) && kinds.contains(.manuallyResolved))
    }

    @Test(arguments: StoreKind.allCases) func aFailedDiagnosisLeavesTicketsCreatedWithTheError(_ kind: StoreKind) async throws {
        let contract = try await ContractStore(kind)
        defer { contract.cleanup() }
        let store = contract.store
        let out = try await tick(store, 0, [.fake("node-down", "node:n2")])
        let incidentID = try #require(out.opened.first?.incidentID)
        let claimed = try await store.claimIncidentsForDiagnosis(ids: nil, limit: 5, lease: .seconds(60), now: t0)
        #expect(claimed.map(\.id) == [incidentID])
        try await store.recordDiagnosisFailure("model timed out", incidentID: incidentID, at: t0, retryAt: t0.addingTimeInterval(30))

        let t = try #require(try await store.tickets(.all).first)
        #expect(t.status == .created)
        #expect(t.diagnosisError == "model timed out")
        #expect(try await store.incident(id: incidentID)?.diagnosisAttempts == 1)
        // Not retried before retryAt, retried after.
        #expect(try await store.claimIncidentsForDiagnosis(ids: nil, limit: 5, lease: .seconds(60), now: t0.addingTimeInterval(10)).isEmpty)
        #expect(try await store.claimIncidentsForDiagnosis(ids: nil, limit: 5, lease: .seconds(60), now: t0.addingTimeInterval(31)).count == 1)
    }

    @Test(arguments: StoreKind.allCases) func aClaimKeepsOtherRunnersOffUntilTheLeaseEnds(_ kind: StoreKind) async throws {
        let contract = try await ContractStore(kind)
        defer { contract.cleanup() }
        let store = contract.store
        _ = try await tick(store, 0, [.fake("node-down", "node:n1"), .fake("node-down", "node:n3")])
        let a = try await store.claimIncidentsForDiagnosis(ids: nil, limit: 1, lease: .seconds(60), now: t0)
        let b = try await store.claimIncidentsForDiagnosis(ids: nil, limit: 5, lease: .seconds(60), now: t0)
        #expect(a.count == 1 && b.count == 1)
        #expect(Set(a.map(\.id)).isDisjoint(with: b.map(\.id)))
        #expect(try await store.claimIncidentsForDiagnosis(ids: nil, limit: 5, lease: .seconds(60), now: t0.addingTimeInterval(1)).isEmpty)
        #expect(try await store.claimIncidentsForDiagnosis(ids: nil, limit: 5, lease: .seconds(60), now: t0.addingTimeInterval(61)).count == 2)
    }

    @Test func theDatabaseIsAWALFileThatSurvivesReopening() async throws {
        let db = try TemporaryDatabase()
        defer { db.cleanup() }
        do {
            let store = try SQLiteTicketStore(path: db.path)
            _ = try await tick(store, 0, [.fake("node-down", "node:n2")])
        }
        let reopened = try SQLiteTicketStore(path: db.path)
        #expect(try await reopened.tickets(.all).count == 1)
        let mode = try sqlite3(db.path, "PRAGMA journal_mode;")
        #expect(mode == "wal")
        let migrations = try sqlite3(db.path, "SELECT identifier FROM grdb_migrations ORDER BY rowid;")
        #expect(migrations.split(separator: "\n") == ["v1-tickets", "v2-incidents", "v3-flapping", "v4-clusters", "v5-outbox", "v6-alert-intake", "v7-leases"])
    }

    @Test func aFileThatIsNotADatabaseGivesAnErrorNamingIt() throws {
        let db = try TemporaryDatabase()
        defer { db.cleanup() }
        try Data("this is not sqlite".utf8).write(to: URL(fileURLWithPath: db.path))
        #expect {
            _ = try SQLiteTicketStore(path: db.path)
        } throws: { error in
            "\(error)".contains(db.path) && "\(error)".contains("--db")
        }
        #expect(try String(contentsOfFile: db.path, encoding: .utf8) == "this is not sqlite", "nothing overwritten")
    }

    @Test(arguments: StoreKind.allCases) func heartbeatsArePrunedToTheRetention(_ kind: StoreKind) async throws {
        let contract = try await ContractStore(kind, heartbeatRetention: 5)
        defer { contract.cleanup() }
        let store = contract.store
        for i in 1...12 {
            try await store.recordHeartbeat(Heartbeat(subject: "fake", tick: i, startedAt: t0, durationMs: 3, violations: 0, openTickets: 0, error: nil))
        }
        let beats = try await store.heartbeats(subject: "fake", limit: 100)
        #expect(beats.map(\.tick) == [12, 11, 10, 9, 8])
    }
}

func sampleDiagnosis(category: String = "node-down", entity: Entity = "node:n2") -> Diagnosis {
    Diagnosis(
        summary: "node n2 is down", observation: "node-down on node:n2",
        rootCause: .init(category: category, entity: entity, explanation: "it stopped"), confidence: 0.9,
        evidence: [.init(signal: "node.up", queryOrSource: "fake", value: "false", expected: "true")],
        alternatives: [.init(hypothesis: "quorum-lost", rejectedBecause: "two of three up")],
        recommendedActions: [.init(action: "restart n2", rationale: "down", risk: "low")], diagnoser: "test")
}

/// Reads the database with the sqlite3 command-line shell: an independent check of what is on disk.
func sqlite3(_ path: String, _ sql: String) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
    p.arguments = [path, sql]
    let out = Pipe()
    p.standardOutput = out
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}
