import Foundation
import Logging
import OperatorCore
import Testing

/// Received alerts through the production `AlertIntake`, `SQLiteTicketStore` and `MonitorService`, on the fake
/// subject (its knowledge maps `instance: nX:9100` to `node:nX` and links an alert to `node-down` there).
@Suite("Alert intake")
struct AlertIntakeTests {
    let node2 = Entity(kind: "node", id: "n2")

    func alert(_ status: ReceivedAlert.Status = .firing, name: String = "NodeDown", instance: String = "n2:9100", fingerprint: String = "fp-n2")
        -> ReceivedAlert
    {
        ReceivedAlert(
            status: status, labels: ["alertname": name, "instance": instance, "severity": "critical"],
            annotations: ["summary": "\(instance) is down"], generatorURL: "http://prom:9090/graph?g0.expr=up+%3D%3D+0",
            fingerprint: fingerprint)
    }

    struct Setup {
        let contract: ContractStore
        let store: any TicketStore & AlertStore
        let cluster: FakeCluster
        let monitor: MonitorService<FakeSubject>
        let intake: AlertIntake<FakeKnowledge>

        init(_ kind: StoreKind) async throws {
            contract = try await ContractStore(kind)
            store = contract.store
            cluster = FakeCluster()
            let latest = LatestSnapshot<FakeSnapshot>()
            let subject = FakeSubject(cluster: cluster)
            monitor = MonitorService(
                subject: subject, store: store,
                configuration: MonitorConfiguration(interval: .milliseconds(30), policy: TicketPolicy(resolveAfterAbsentTicks: 1)),
                logger: Logger(label: "test"), latest: latest)
            intake = AlertIntake(cluster: ClusterName.default, subject: subject.name, knowledge: subject.knowledge, store: store, latest: latest)
        }

        func tick(_ number: Int) async {
            var failures = 0
            _ = await monitor.runTick(number: number, consecutiveFailures: &failures)
        }
    }

    @Test("An alert about a node Operator found down joins that node's incident; ticks never resolve it", arguments: StoreKind.allCases)
    func alertAfterInvariant(_ kind: StoreKind) async throws {
        let s = try await Setup(kind)
        defer { s.contract.cleanup() }
        s.cluster.kill("n2")
        await s.tick(1)
        let incident = try #require(try await s.store.incidents(.all).first { $0.rootEntity == node2 })

        let outcome = try await s.intake.receive([alert()])
        #expect(outcome.opened.count == 1)
        #expect(outcome.incidents == [incident.id])
        let openedID = try #require(outcome.opened.first)
        let ticket = try #require(try await s.store.ticket(id: openedID))
        #expect(ticket.invariant == "alert:NodeDown" && ticket.entity == node2 && ticket.incidentID == incident.id)

        // n2 comes back: node-down resolves on the next clean tick, the alert ticket stays until the alert resolves.
        s.cluster.revive("n2")
        for n in 2...4 { await s.tick(n) }
        #expect(try await s.store.ticket(id: ticket.id)?.status == .created, "a monitor tick resolved an alert ticket")
        #expect(try await s.store.incident(id: incident.id)?.status != .resolved, "the incident waits for its alert")
        let resolved = try await s.intake.receive([alert(.resolved)])
        #expect(resolved.resolved == [ticket.id])
        #expect(try await s.store.incident(id: incident.id)?.status == .resolved)
        #expect(try await s.store.incidents(.all).count == 1)
    }

    @Test("An alert that arrives before Operator sees the fault merges into the fault's incident on the next tick", arguments: StoreKind.allCases)
    func alertBeforeInvariant(_ kind: StoreKind) async throws {
        let s = try await Setup(kind)
        defer { s.contract.cleanup() }
        await s.tick(1)  // all healthy: the snapshot knows the nodes
        let first = try await s.intake.receive([alert()])
        let alertTicket = try #require(first.opened.first)
        let alertRow = try await s.store.ticket(id: alertTicket)
        let own = try #require(alertRow?.incidentID)
        #expect(try await s.store.incident(id: own)?.rootInvariant == "alert:NodeDown")

        s.cluster.kill("n2")
        await s.tick(2)
        let open = try await s.store.incidents(IncidentFilter(statuses: [.open, .diagnosed]))
        #expect(open.count == 1, "\(open.map { "\($0.rootInvariant)@\($0.rootEntity)" })")
        let incident = try #require(open.first)
        #expect(incident.rootInvariant == "node-down" && incident.rootEntity == node2)
        #expect(try await s.store.ticket(id: alertTicket)?.incidentID == incident.id)
        #expect(try await s.store.incident(id: own)?.mergedInto == incident.id)
    }

    @Test("Dedup by fingerprint, resolve, reopen; two fingerprints on one ticket resolve it only when both have", arguments: StoreKind.allCases)
    func dedupResolveReopen(_ kind: StoreKind) async throws {
        let s = try await Setup(kind)
        defer { s.contract.cleanup() }
        await s.tick(1)
        let a = try await s.intake.receive([alert(), alert()])
        #expect(a.opened.count == 1 && a.received == 2)
        let id = try #require(a.opened.first)
        let b = try await s.intake.receive([alert(fingerprint: "fp-n2-other")])
        #expect(b.updated == [id] && b.opened.isEmpty)
        // The same alert twice in one delivery counts once; another fingerprint on the same ticket counts again.
        #expect(try await s.store.ticket(id: id)?.occurrences == 2)

        #expect(try await s.intake.receive([alert(.resolved)]).resolved.isEmpty, "the other fingerprint still fires")
        #expect(try await s.intake.receive([alert(.resolved, fingerprint: "fp-n2-other")]).resolved == [id])
        #expect(try await s.store.ticket(id: id)?.status == .resolved)

        let again = try await s.intake.receive([alert()])
        #expect(again.reopened == [id])
        let reopened = try #require(try await s.store.ticket(id: id))
        #expect(reopened.status == .created && reopened.reopenCount == 1)
        #expect(try await s.store.timeline(ticketID: id).map(\.kind).contains(.reopened))
        #expect(try await s.store.tickets(.all).count == 1)
    }

    @Test("Unmapped alerts land on `cluster` with their labels in the excerpt; before any snapshot nothing maps", arguments: StoreKind.allCases)
    func unmapped(_ kind: StoreKind) async throws {
        let s = try await Setup(kind)
        defer { s.contract.cleanup() }
        let before = try await s.intake.receive([alert(instance: "n1:9100", fingerprint: "early")])
        let earlyID = try #require(before.opened.first)
        #expect(try await s.store.ticket(id: earlyID)?.entity == .cluster)
        await s.tick(1)
        let other = try await s.intake.receive([alert(name: "DiskFull", instance: "192.0.2.1:9100", fingerprint: "x")])
        let otherID = try #require(other.opened.first)
        let ticket = try #require(try await s.store.ticket(id: otherID))
        #expect(ticket.entity == .cluster)
        #expect(ticket.snapshotExcerpt["labels"]?["instance"]?.stringValue == "192.0.2.1:9100")
        #expect(ticket.snapshotExcerpt["generator_url"]?.stringValue == "http://prom:9090/graph?g0.expr=up+%3D%3D+0")
    }

    @Test("AlertPlacement.hostPort normalises addresses and URLs")
    func hostPort() {
        #expect(AlertPlacement.hostPort("http://TiKV-1:20180/metrics") == "tikv-1:20180")
        #expect(AlertPlacement.hostPort("127.0.0.1:2379") == "127.0.0.1:2379")
        #expect(AlertPlacement.hostPort("https://user:pw@h:1?x") == "h:1")
        #expect(AlertPlacement.hostPort("  ") == nil)
        #expect(AlertPlacement.instance(["instance": "h:1"], isOneOf: [nil, "http://h:1"]))
        #expect(!AlertPlacement.instance(["job": "x"], isOneOf: ["h:1"]))
    }
}
