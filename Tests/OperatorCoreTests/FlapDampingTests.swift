import Foundation
import Logging
import OperatorCore
import Testing

/// A fault that comes and goes must not cost a diagnosis per cycle nor reopen its incident forever:
/// flapping faults are driven tick by tick through the real SQLite store and the real DiagnosisRunner,
/// whose diagnoser (the offline rules behind a counter) is a real `Diagnoser`.
@Suite("Flap damping")
struct FlapDampingTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    let evaluated: Set<String> = ["node-down", "quorum-lost"]
    let down1 = Violation.fake("node-down", "node:n1")
    let quorum = Violation.fake("quorum-lost", .cluster)
    var link: CausalLink { CausalLink(cause: down1.key, effect: quorum.key, reason: "node:n1 is down") }

    /// The store, a subject whose node n1 is down (the evidence the diagnoser reads), and a runner whose
    /// diagnoser counts its calls.
    struct Rig {
        let contract: ContractStore
        let store: any TicketStore
        let runner: DiagnosisRunner<FakeSubject>
        let counter: CountingDiagnoser

        init(_ kind: StoreKind) async throws {
            contract = try await ContractStore(kind)
            store = contract.store
            let cluster = FakeCluster()
            cluster.kill("n1")
            let subject = FakeSubject(cluster: cluster)
            counter = CountingDiagnoser(OfflineDiagnoser(rules: subject.knowledge.rules))
            runner = DiagnosisRunner(subject: subject, store: store, diagnoser: counter, logger: Logger(label: "test"))
        }
    }

    /// One tick at `second`, then one round of the diagnosis runner, as `operator monitor --diagnose` does.
    func tick(_ rig: Rig, _ second: Double, _ violations: [Violation], links: [CausalLink] = [],
              policy: TicketPolicy = TicketPolicy()) async throws
    {
        let at = t0.addingTimeInterval(second)
        _ = try await rig.store.record(
            TickFindings(subject: "fake", at: at, violations: violations, evaluated: evaluated, causalLinks: links), policy: policy)
        for outcome in await rig.runner.diagnosePending(now: at) {
            #expect(outcome.error == nil, "diagnosis failed: \(outcome.error ?? "")")
        }
    }

    /// `cycles` flaps of 20 s: violated for one tick, clean for three (enough to resolve with resolve_after 3).
    func flap(_ rig: Rig, cycles: Int, from start: Double = 0, violations: (Int) -> [Violation], links: [CausalLink] = [])
        async throws
    {
        for cycle in 0..<cycles {
            let base = start + Double(cycle) * 20
            try await tick(rig, base, violations(cycle), links: links)
            for clean in 1...3 { try await tick(rig, base + Double(clean) * 5, []) }
        }
    }

    func onlyIncident(_ store: any TicketStore) async throws -> Incident {
        let incidents = try await store.incidents(.all)
        #expect(incidents.count == 1, "one fault, one incident: \(incidents.map(\.id))")
        return try #require(incidents.first)
    }

    @Test(arguments: StoreKind.allCases) func aFaultFlappingTwentyTimesIsDiagnosedOnceAndMarkedFlapping(_ kind: StoreKind) async throws {
        let rig = try await Rig(kind)
        defer { rig.contract.cleanup() }
        try await flap(rig, cycles: 20) { _ in [down1] }

        let incident = try await onlyIncident(rig.store)
        #expect(rig.counter.calls(incident: incident.id) == 1, "one diagnoser call for one unchanged fault")
        #expect(incident.isFlapping)
        #expect(incident.flapCount == 19, "20 cycles are 19 recurrences after the first")
        #expect(incident.status == .diagnosed, "held open, still covered by its diagnosis")
        let ticket = try #require(try await rig.store.tickets(.all).first)
        #expect(ticket.status.isOpen, "held open while flapping, not resolved between cycles")
        #expect(ticket.flapCount == 19)
        #expect(ticket.reopenCount == 3, "reopened until the incident was flapping, held from then on")

        let timeline = try await rig.store.timeline(incidentID: incident.id)
        let skipped = timeline.filter { $0.kind == .diagnosisSkipped }
        // Recurrences 1–3 reopened the incident and were judged unchanged; the third made it flapping.
        #expect(skipped.count == 3)
        #expect(skipped.allSatisfy { $0.detail.contains("evidence unchanged") && $0.detail.contains("node-down on node:n1") })
        #expect(timeline.filter { $0.kind == .reopened && $0.ticketID == nil }.count == 3)
        let flapping = timeline.filter { $0.kind == .flapping }
        #expect(flapping.count == 1)
        #expect(flapping.first?.detail.contains("a member recurred 3 times within 30m") == true)
        #expect(timeline.filter { $0.kind == .diagnosed }.count == 1)
        #expect(timeline.count < 30, "no events per held cycle: \(timeline.count) events")
    }

    @Test(arguments: StoreKind.allCases) func aRecurrenceWithANewMemberTicketIsDiagnosedAgainAndTheTimelineSaysWhy(_ kind: StoreKind) async throws {
        let rig = try await Rig(kind)
        defer { rig.contract.cleanup() }
        // Cycle 0: the node alone. Cycle 1: the node and, explained by it, lost quorum. Cycle 2: the node alone.
        try await flap(rig, cycles: 3, violations: { $0 == 1 ? [down1, quorum] : [down1] }, links: [link])

        let incident = try await onlyIncident(rig.store)
        #expect(incident.ticketIDs.count == 2, "quorum-lost joined the reopened incident")
        #expect(rig.counter.calls(incident: incident.id) == 2, "first diagnosis + one for the new member; cycle 2 skipped")
        let timeline = try await rig.store.timeline(incidentID: incident.id)
        let diagnosed = timeline.filter { $0.kind == .diagnosed }.map(\.detail)
        #expect(diagnosed.count == 2)
        #expect(diagnosed.last?.contains("re-diagnosed: evidence changed: new ticket quorum-lost on cluster") == true, "\(diagnosed)")
        #expect(timeline.filter { $0.kind == .diagnosisSkipped }.count == 1)
    }

    @Test(arguments: StoreKind.allCases) func aFlappingMemberTicketInsideAnOpenIncidentCostsNoDiagnosisPerCycle(_ kind: StoreKind) async throws {
        let rig = try await Rig(kind)
        defer { rig.contract.cleanup() }
        // The node stays down; lost quorum comes and goes with it (seen, gone for three ticks, back).
        for cycle in 0..<10 {
            let base = Double(cycle) * 20
            try await tick(rig, base, [down1, quorum], links: [link])
            for clean in 1...3 { try await tick(rig, base + Double(clean) * 5, [down1]) }
        }
        let incident = try await onlyIncident(rig.store)
        #expect(rig.counter.calls(incident: incident.id) == 1)
        #expect(incident.isFlapping)
        #expect(incident.flapCount == 9)
        let quorumTicket = try #require(try await rig.store.tickets(.all).first { $0.invariant == "quorum-lost" })
        let ticketEvents = try await rig.store.timeline(ticketID: quorumTicket.id)
        #expect(ticketEvents.filter { $0.kind == .reopened }.count == 3, "reopened until flapping, then held")
        #expect(ticketEvents.filter { $0.kind == .resolved }.count == 3)
    }

    @Test(arguments: StoreKind.allCases) func aFaultThatStopsFlappingSettlesAndResolves(_ kind: StoreKind) async throws {
        let rig = try await Rig(kind)
        defer { rig.contract.cleanup() }
        try await flap(rig, cycles: 6) { _ in [down1] }  // last violation at 100 s
        #expect(try await onlyIncident(rig.store).isFlapping)

        // Quiet for 4 minutes: fewer than the 5-minute settle period, still held.
        var second = 120.0
        while second < 100 + 240 {
            try await tick(rig, second, [])
            second += 5
        }
        var incident = try await onlyIncident(rig.store)
        #expect(incident.isFlapping)
        #expect(incident.status != .resolved)

        while second <= 100 + 300 {
            try await tick(rig, second, [])
            second += 5
        }
        incident = try await onlyIncident(rig.store)
        #expect(incident.status == .resolved)
        #expect(!incident.isFlapping)
        #expect(incident.flapCount == 5, "the count stays as history")
        let ticket = try #require(try await rig.store.tickets(.all).first)
        #expect(ticket.status == .resolved)
        let timeline = try await rig.store.timeline(incidentID: incident.id)
        #expect(timeline.contains { $0.kind == .resolved && $0.ticketID == ticket.id && $0.detail.hasPrefix("settled: quiet for 5m") })
        #expect(timeline.last?.kind == .resolved)
        #expect(timeline.last?.detail.contains("settled after flapping (5 recurrences)") == true)
        #expect(rig.counter.calls(incident: incident.id) == 1)
    }

    @Test(arguments: StoreKind.allCases) func flapThresholdsAreConfigurable(_ kind: StoreKind) async throws {
        let rig = try await Rig(kind)
        defer { rig.contract.cleanup() }
        let policy = TicketPolicy(flapping: FlapPolicy(threshold: 10, window: .seconds(3600), settle: .seconds(60)))
        for cycle in 0..<6 {
            let base = Double(cycle) * 20
            try await tick(rig, base, [down1], policy: policy)
            for clean in 1...3 { try await tick(rig, base + Double(clean) * 5, [], policy: policy) }
        }
        let incident = try await onlyIncident(rig.store)
        #expect(!incident.isFlapping, "5 recurrences are below a threshold of 10")
        #expect(incident.reopenCount == 5)
        #expect(rig.counter.calls(incident: incident.id) == 1, "damping does not depend on flapping")
    }

    @Test func aDatabaseFromBeforeFlapDampingUpgradesInPlace() async throws {
        let db = try TemporaryDatabase()
        defer { db.cleanup() }
        do {
            let store = try SQLiteTicketStore(path: db.path)
            _ = try await store.record(
                TickFindings(subject: "fake", at: t0, violations: [down1], evaluated: evaluated), policy: TicketPolicy())
        }
        // Back to the shipped v2 schema, as the previous release left its databases.
        _ = try sqlite3(
            db.path,
            """
            DROP INDEX event_by_kind_at; ALTER TABLE incident DROP COLUMN flapping_since; ALTER TABLE incident DROP COLUMN flap_count;
            ALTER TABLE ticket DROP COLUMN flap_count; DELETE FROM grdb_migrations WHERE identifier = 'v3-flapping';
            """)
        #expect(try sqlite3(db.path, "SELECT COUNT(*) FROM pragma_table_info('incident') WHERE name = 'flap_count';") == "0")

        let upgraded = try SQLiteTicketStore(path: db.path)
        let incident = try #require(try await upgraded.incidents(.all).first)
        #expect(!incident.isFlapping && incident.flapCount == 0)
        #expect(incident.rootEntity == "node:n1")
        #expect(try await upgraded.tickets(.all).count == 1, "nothing lost")
        #expect(try sqlite3(db.path, "SELECT identifier FROM grdb_migrations ORDER BY rowid DESC LIMIT 1;") == "v3-flapping")
    }

    @Test(arguments: StoreKind.allCases) func anExplicitDiagnoseRequestAlwaysAsksTheDiagnoser(_ kind: StoreKind) async throws {
        let rig = try await Rig(kind)
        defer { rig.contract.cleanup() }
        try await flap(rig, cycles: 2) { _ in [down1] }
        let incident = try await onlyIncident(rig.store)
        #expect(rig.counter.calls(incident: incident.id) == 1)
        let outcomes = try await rig.runner.diagnose(incidentIDs: [incident.id])
        #expect(outcomes.first?.diagnosis != nil)
        #expect(rig.counter.calls(incident: incident.id) == 2)
        let last = try await rig.store.timeline(incidentID: incident.id).last { $0.kind == .diagnosed }
        #expect(last?.detail.hasSuffix("(re-diagnosed: requested)") == true)
    }
}

@Suite("Evidence change")
struct EvidenceChangeTests {
    func context(root: String = "node:n1", tickets: [(String, String, Severity)], signals: [Signal] = []) throws -> DiagnosisContext {
        DiagnosisContext(
            subject: "fake", incident: ContextIncident(id: 1, rootEntity: try Entity(parsing: root), rootInvariant: "node-down", title: ""),
            tickets: try tickets.map {
                ContextTicket(id: nil, invariant: $0.0, entity: try Entity(parsing: $0.1), severity: $0.2, message: "",
                              firstSeen: Date(), lastSeen: Date(), occurrences: 1, excerpt: .null)
            },
            otherOpenTickets: [], taxonomy: [], evidence: DiagnosisEvidence(signals: signals), builtAt: Date())
    }

    let noFingerprint: (DiagnosisEvidence) -> String? = { _ in nil }

    @Test func theSameTicketsFewerTicketsOrALowerSeverityAreNotMaterial() throws {
        let before = try context(tickets: [("node-down", "node:n1", .critical), ("quorum-lost", "cluster", .critical)])
        #expect(!EvidenceChange(since: before, now: before, fingerprint: noFingerprint).isMaterial)
        let fewer = try context(tickets: [("node-down", "node:n1", .warning)])
        let change = EvidenceChange(since: before, now: fewer, fingerprint: noFingerprint)
        #expect(!change.isMaterial)
        #expect(change.unchanged.contains("same root node-down on node:n1"))
    }

    @Test func eachMaterialChangeIsNamed() throws {
        let before = try context(tickets: [("node-down", "node:n1", .warning)])
        let after = try context(root: "node:n2", tickets: [("node-down", "node:n1", .critical), ("slow-store", "store:3", .warning)])
        let reasons = EvidenceChange(since: before, now: after, fingerprint: noFingerprint).reasons
        #expect(reasons == [
            "root changed: node-down on node:n1 → node-down on node:n2",
            "severity rose: node-down on node:n1 warning → critical",
            "new ticket slow-store on store:3",
        ])
    }

    @Test func theSubjectsFingerprintDecidesWhenItHasOne() throws {
        let tickets: [(String, String, Severity)] = [("node-down", "node:n1", .critical)]
        let up = Signal("node.up", entity: "node:n2", value: .bool(true), source: "test")
        let down = Signal("node.up", entity: "node:n2", value: .bool(false), source: "test")
        let before = try context(tickets: tickets, signals: [up])
        let after = try context(tickets: tickets, signals: [down])
        let downNodes: (DiagnosisEvidence) -> String? = { e in
            e.signals.filter { $0.value == .bool(false) }.compactMap(\.entity?.description).sorted().joined(separator: ",")
        }
        let fingerprint: (DiagnosisEvidence) -> String? = { downNodes($0).flatMap { $0.isEmpty ? "none" : $0 } }
        let change = EvidenceChange(since: before, now: after, fingerprint: fingerprint)
        #expect(change.reasons == ["subject evidence changed (fingerprint none → node:n2)"])
        #expect(!EvidenceChange(since: before, now: after, fingerprint: noFingerprint).isMaterial, "no fingerprint: signals alone do not count")
    }
}
