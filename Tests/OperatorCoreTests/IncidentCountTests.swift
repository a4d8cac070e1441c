import Foundation
import OperatorCore
import Testing

/// The store counts incidents with one query (the API's and the console's open incidents per cluster),
/// and the count agrees with the list the same filter returns.
@Suite("Incident counts")
struct IncidentCountTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    @Test(arguments: StoreKind.allCases) func countMatchesTheListForEveryFilterAndIgnoresTheLimit(_ kind: StoreKind) async throws {
        let contract = try await ContractStore(kind)
        defer { contract.cleanup() }
        let store = contract.store
        // Five incidents on cluster a, two on cluster b; two of a's resolved by hand.
        for n in 1...7 {
            _ = try await store.record(
                TickFindings(
                    subject: "fake", at: t0.addingTimeInterval(Double(n)), violations: [.fake("node-down", Entity(kind: "node", id: "n\(n)"))],
                    evaluated: ["node-down"], cluster: n <= 5 ? "a" : "b"),
                policy: TicketPolicy(resolveAfterAbsentTicks: 3))
        }
        for id: Int64 in [1, 2] { _ = try await store.resolveIncident(id: id, at: t0.addingTimeInterval(60), note: nil) }

        let open: Set<IncidentStatus> = [.open, .diagnosed]
        #expect(try await store.incidentCount(IncidentFilter(statuses: open, cluster: "a")) == 3)
        #expect(try await store.incidentCount(IncidentFilter(statuses: open, cluster: "b")) == 2)
        #expect(try await store.incidentCount(IncidentFilter(statuses: [.resolved], cluster: "a")) == 2)
        #expect(try await store.incidentCount(IncidentFilter(cluster: "nowhere")) == 0)
        #expect(try await store.incidentCount(IncidentFilter(limit: 2)) == 7, "a count is of every match, whatever the page size")
        #expect(try await store.incidentCount(IncidentFilter(beforeID: 4)) == 3)

        for filter in [
            IncidentFilter.all, IncidentFilter(statuses: open), IncidentFilter(statuses: open, cluster: "a"),
            IncidentFilter(subject: "fake", cluster: "b"), IncidentFilter(subject: "other"),
        ] {
            #expect(try await store.incidentCount(filter) == store.incidents(filter).count)
        }
    }
}
