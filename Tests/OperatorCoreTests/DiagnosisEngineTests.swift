import Foundation
import Logging
import OperatorCore
import Testing

@Suite("Diagnosis engine")
struct DiagnosisEngineTests {
    func context(down: Set<String>, others: [ContextTicket] = []) async -> DiagnosisContext {
        let cluster = FakeCluster()
        for n in down { cluster.kill(n) }
        let knowledge = FakeKnowledge(cluster: cluster)
        let root = down.sorted().first ?? "n1"
        let tickets = down.sorted().map {
            ContextTicket(id: 1, invariant: "node-down", entity: Entity(kind: "node", id: $0), severity: .critical,
                          message: "node \($0) does not answer", firstSeen: Date(), lastSeen: Date(), occurrences: 2, excerpt: .null)
        }
        let evidence = await knowledge.gatherEvidence(
            for: EvidenceRequest(rootEntity: Entity(kind: "node", id: root), tickets: tickets, window: DateInterval()), snapshot: nil)
        return DiagnosisContext(
            subject: "fake", incident: ContextIncident(id: 1, rootEntity: Entity(kind: "node", id: root), rootInvariant: "node-down", title: ""),
            tickets: tickets, otherOpenTickets: others, taxonomy: knowledge.taxonomy, evidence: evidence, builtAt: Date())
    }

    @Test func theOfflineDiagnoserPicksTheBestSupportedHypothesisAndExplainsTheRejectedOnes() async throws {
        let c = await context(down: ["n2"])
        let d = try await OfflineDiagnoser(rules: FakeKnowledge(cluster: FakeCluster()).rules).diagnose(c)
        #expect(d.rootCause.category == "node-down")
        #expect(d.rootCause.entity == "node:n2")
        #expect(d.confidence == 0.9)
        #expect(d.evidence.contains { $0.signal == "node.up (node:n2)" && $0.value == "false" && $0.expected == "true" })
        let alternative = try #require(d.alternatives.first)
        #expect(alternative.hypothesis.hasPrefix("quorum-lost"))
        #expect(alternative.rejectedBecause == "only 1 of 3 nodes down; a majority remains")
        #expect(d.diagnoser == "offline")
        try d.validate(against: c)
    }

    @Test func theSameContextGivesTheSameDiagnosis() async throws {
        let c = await context(down: ["n1", "n3"])
        let rules = FakeKnowledge(cluster: FakeCluster()).rules
        let a = OfflineDiagnoser.reason(over: c, rules: rules)
        let b = OfflineDiagnoser.reason(over: c, rules: rules)
        #expect(a == b)
        #expect(a.rootCause.category == "quorum-lost", "two of three down: quorum outranks a single node")
    }

    @Test func validationRejectsACategoryOutsideTheTaxonomyAndMissingAlternatives() async throws {
        let c = await context(down: ["n2"])
        var d = sampleDiagnosis(category: "cosmic-rays")
        d.alternatives = []
        #expect {
            try d.validate(against: c)
        } throws: { error in
            let text = "\(error)"
            return text.contains("cosmic-rays") && text.contains("no alternative")
        }
    }

    @Test func theRunnerDiagnosesAnIncidentAndStoresItsReplayableContext() async throws {
        let db = try TemporaryDatabase()
        defer { db.cleanup() }
        let store = try SQLiteTicketStore(path: db.path)
        let cluster = FakeCluster()
        cluster.kill("n2")
        let subject = FakeSubject(cluster: cluster)
        let monitor = MonitorService(subject: subject, store: store, logger: Logger(label: "test"))
        var failures = 0
        _ = await monitor.runTick(number: 1, consecutiveFailures: &failures)

        let runner = DiagnosisRunner(subject: subject, store: store, diagnoser: OfflineDiagnoser(rules: subject.knowledge.rules),
                                     logger: Logger(label: "test"))
        let outcomes = await runner.diagnosePending()
        let outcome = try #require(outcomes.first)
        #expect(outcome.error == nil)
        let ticket = try #require(try await store.tickets(.all).first)
        #expect(ticket.status == .diagnosed)
        #expect(ticket.diagnosis?.rootCause.entity == "node:n2")

        // Replay: the stored context, diagnosed again without the cluster, gives the same root cause.
        let incidentID = try #require(ticket.incidentID)
        let stored = try #require(try await store.diagnosisContext(incidentID: incidentID))
        cluster.revive("n2")
        let replayed = OfflineDiagnoser.reason(over: stored, rules: subject.knowledge.rules)
        #expect(replayed.rootCause == ticket.diagnosis?.rootCause)
        #expect(await runner.diagnosePending().isEmpty, "nothing left to diagnose")
    }

    struct FailingDiagnoser: Diagnoser {
        let name = "failing"
        struct Boom: Error, CustomStringConvertible { var description: String { "HTTP 529 overloaded (key sk-ant-api03-abcdefghijklmnopqrstu)" } }
        func diagnose(_ context: DiagnosisContext) async throws -> Diagnosis { throw Boom() }
    }

    @Test func aFailingDiagnoserLeavesTheTicketCreatedWithARedactedError() async throws {
        let db = try TemporaryDatabase()
        defer { db.cleanup() }
        let store = try SQLiteTicketStore(path: db.path)
        let cluster = FakeCluster()
        cluster.kill("n1")
        let subject = FakeSubject(cluster: cluster)
        var failures = 0
        _ = await MonitorService(subject: subject, store: store, logger: Logger(label: "test")).runTick(number: 1, consecutiveFailures: &failures)
        let runner = DiagnosisRunner(subject: subject, store: store, diagnoser: FailingDiagnoser(), logger: Logger(label: "test"))
        let outcome = try #require(await runner.diagnosePending().first)
        #expect(outcome.diagnosis == nil)
        let ticket = try #require(try await store.tickets(.all).first)
        #expect(ticket.status == .created)
        let error = try #require(ticket.diagnosisError)
        #expect(error.contains("HTTP 529"))
        #expect(!error.contains("abcdefghijklmnopqrstu"), "the key never reaches the database")
    }

    @Test func theRedactorRemovesKnownSecretsAndCredentialShapes() {
        let r = Redactor(secrets: ["hunter2hunter2"])
        let text = r.redact("key=hunter2hunter2 auth: Bearer abcdefghijkl sk-ant-api03-0123456789abcdefghij password=pw ok")
        #expect(!text.contains("hunter2hunter2"))
        #expect(!text.contains("abcdefghijkl"))
        #expect(!text.contains("0123456789abcdefghij"))
        #expect(!text.contains("password=pw"))
        #expect(text.hasSuffix(" ok"))
        let json = r.redact(JSONValue.object(["api_key": "x", "nested": ["note": "hunter2hunter2"]]))
        #expect(json["api_key"] == .string(Redactor.mask))
        #expect(json["nested"]?["note"] == .string(Redactor.mask))
        let env = Redactor.fromEnvironment(["ANTHROPIC_API_KEY": "sk-secret-value-1", "HOME": "/root"])
        #expect(env.redact("x sk-secret-value-1 /root") == "x \(Redactor.mask) /root")
    }

    @Test func theBudgetCutsTheLeastInformativePartsFirst() async throws {
        var c = await context(down: ["n2"])
        c.evidence.logEvents = (0..<2000).map {
            LogEvent(time: Date(timeIntervalSince1970: Double($0)), level: "INFO", kind: "noise", entity: nil, message: "line \($0) " + String(repeating: "x", count: 40))
        }
        c.evidence.metrics = [MetricWindow(name: "qps", query: "rate(x[1m])", entity: "node:n2",
                                           points: (0..<600).map { MetricPoint(time: Date(timeIntervalSince1970: Double($0)), value: Double($0)) })]
        #expect(ContextBudget.estimatedTokens(of: c) > 8000)
        let fitted = ContextBudget(maxTokens: 8000).fit(c)
        #expect(ContextBudget.estimatedTokens(of: fitted) <= 8000)
        #expect(fitted.tickets == c.tickets, "tickets are never cut first")
        #expect(fitted.evidence.logEvents.last?.message.hasPrefix("line 1999") == true, "the latest events are kept")
        #expect(!fitted.truncations.isEmpty)
    }
}
