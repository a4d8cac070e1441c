import Foundation
import OperatorCore
import Testing

@testable import SubjectEtcd

/// Alertmanager alerts mapped to etcd members: `instance` is what Prometheus scraped (the member's client
/// address, ../shared/reference/etcd-prometheus-observed.md B: `instance="127.0.0.1:22379"`) or a peer URL.
@Suite("etcd alert mapping")
struct EtcdAlertMappingTests {
    let subject: EtcdSubject

    init() throws {
        subject = try EtcdSubject(configuration: .init(endpoints: ["http://127.0.0.1:2379"]))
    }

    func upIsZero(_ instance: String) -> [String: String] {
        ["alertname": "EtcdMemberDown", "instance": instance, "job": "etcd", "severity": "critical"]
    }

    @Test("A member's client or peer address maps to member:NAME; anything else, or no snapshot, to cluster")
    func mapping() {
        var b = SnapshotBuilder()
        b.snapshot.members[1].peerURLs = ["http://127.0.0.1:12381"]
        let s = b.snapshot
        let knowledge = subject.knowledge
        #expect(knowledge.alertEntity(labels: upIsZero("127.0.0.1:2381"), in: s) == Entity(kind: "member", id: "e2"))
        #expect(knowledge.alertEntity(labels: upIsZero("127.0.0.1:12381"), in: s) == Entity(kind: "member", id: "e2"))
        #expect(knowledge.alertEntity(labels: upIsZero("127.0.0.1:2383"), in: s) == Entity(kind: "member", id: "e3"))
        #expect(knowledge.alertEntity(labels: upIsZero("127.0.0.1:9999"), in: s) == .cluster)
        #expect(knowledge.alertEntity(labels: ["alertname": "EtcdNoLeader"], in: s) == .cluster)
        #expect(knowledge.alertEntity(labels: upIsZero("127.0.0.1:2381"), in: nil) == .cluster)
    }

    @Test("member-down on a member explains that member's alert; the offline rules still say node-down with the alert in the incident")
    func linkAndDiagnosis() async {
        var b = SnapshotBuilder()
        b.kill("e3")
        let violations = subject.evaluate(b.snapshot).violations
        let member = Entity(kind: "member", id: "e3")
        let alert = AlertTicket.violation(
            ReceivedAlert(status: .firing, labels: upIsZero("127.0.0.1:2383"), annotations: ["summary": "etcd member down"], fingerprint: "628ba553e5dce7b3"),
            on: member)
        let links = subject.knowledge.causalLinks(among: violations + [alert], in: b.snapshot)
        let link = links.first { $0.effect == alert.key }
        #expect(link?.cause == ViolationKey(invariant: "member-down", entity: member), "\(links)")

        var tickets = (violations + [alert]).enumerated().map { i, v in
            ContextTicket(
                id: Int64(i + 1), invariant: v.invariant, entity: v.entity, severity: v.severity, message: v.message,
                firstSeen: b.snapshot.observedAt, lastSeen: b.snapshot.observedAt, occurrences: 2, excerpt: v.excerpt)
        }
        tickets.sort { a, _ in a.invariant == "member-down" }
        let request = EvidenceRequest(
            rootEntity: member, tickets: tickets,
            window: DateInterval(start: b.snapshot.observedAt.addingTimeInterval(-600), end: b.snapshot.observedAt))
        let evidence = await subject.knowledge.gatherEvidence(for: request, snapshot: b.snapshot)
        let context = DiagnosisContext(
            subject: "etcd", incident: ContextIncident(id: 1, rootEntity: member, rootInvariant: "member-down", title: "t"),
            tickets: tickets, otherOpenTickets: [], taxonomy: subject.knowledge.taxonomy, evidence: evidence, builtAt: b.snapshot.observedAt)
        let diagnosis = OfflineDiagnoser.reason(over: context, rules: subject.knowledge.rules)
        #expect(diagnosis.rootCause.category == "node-down")
        #expect(diagnosis.rootCause.entity == member)
        let alertID = tickets.first { $0.invariant == "alert:EtcdMemberDown" }?.id
        #expect(alertID.flatMap { context.evidenceItem("t\($0)") } != nil, "the alert is citable evidence")
    }
}
