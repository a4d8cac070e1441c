import Foundation
import OperatorCore

/// A subject that exists only in this test target: one store that is always down, with the signal PD
/// would give for it. Enough for the monitor to open an incident and the runner to diagnose it with a model.
struct OneStoreSubject: Subject {
    struct Snapshot: SubjectSnapshot {
        var observedAt: Date
        func statusLines() -> [String] { ["store:2 Disconnected"] }
    }

    struct StoreDown: Invariant {
        let id = "store-down"
        let severity = Severity.critical
        let summary = "every store is Up"
        func evaluate(_ snapshot: Snapshot) -> [Violation] { [violation(on: "store:2", "store 2 is Disconnected")] }
    }

    struct Knowledge: DiagnosisKnowledge {
        typealias Snapshot = OneStoreSubject.Snapshot
        var taxonomy: [DiagnosisCategory] {
            [DiagnosisCategory("node-down", "a node stopped"), DiagnosisCategory("disk-full", "no space")]
        }
        var rules: [DiagnosisRule] { [] }

        func gatherEvidence(for request: EvidenceRequest, snapshot: Snapshot?) async -> DiagnosisEvidence {
            DiagnosisEvidence(signals: [
                Signal("store.state", entity: "store:2", value: "Disconnected", source: "GET /pd/api/v1/stores", expected: "Up"),
                Signal("store.available_ratio", entity: "store:2", value: 0.61, source: "GET /pd/api/v1/stores", expected: "> 0.2"),
            ])
        }
    }

    let name = "onestore"
    let invariants: [any Invariant<Snapshot>] = [StoreDown()]
    let knowledge = Knowledge()

    func observe() async throws -> Snapshot { Snapshot(observedAt: Date()) }
}
