import Foundation
import OperatorCore
import Synchronization

/// A tiny cluster of named nodes whose health tests flip at will. The monitor under test drives it only
/// through the `Subject` protocol, exactly as it drives a real subject.
final class FakeCluster: Sendable {
    struct State: Sendable {
        var down: Set<String> = []
        var observationError: String?
        /// Why the (pretend) metrics source fails, naming its URL; `nil` while it answers.
        var metricsError: String?
        var observeDelay: Duration = .zero
        var observations = 0
    }

    let nodes: [String]
    let state = Mutex(State())

    init(nodes: [String] = ["n1", "n2", "n3"]) { self.nodes = nodes }

    func kill(_ node: String) { state.withLock { _ = $0.down.insert(node) } }
    func revive(_ node: String) { state.withLock { _ = $0.down.remove(node) } }
    func failObservations(_ message: String?) { state.withLock { $0.observationError = message } }
    func slowObservations(_ delay: Duration) { state.withLock { $0.observeDelay = delay } }
    func failMetrics(_ message: String?) { state.withLock { $0.metricsError = message } }
    var observations: Int { state.withLock { $0.observations } }
}

struct FakeSnapshot: SubjectSnapshot {
    var observedAt: Date
    var nodes: [String]
    var down: Set<String>
    var metricsError: String? = nil

    func statusLines() -> [String] { nodes.map { "\($0): \(down.contains($0) ? "down" : "up")" } }
}

struct NodeDownInvariant: Invariant {
    let id = "node-down"
    let severity = Severity.critical
    let summary = "every node answers"

    func evaluate(_ s: FakeSnapshot) -> [Violation] {
        s.down.sorted().map { violation(on: Entity(kind: "node", id: $0), "node \($0) does not answer", excerpt: ["node": .string($0), "up": false]) }
    }
}

struct QuorumInvariant: Invariant {
    let id = "quorum-lost"
    let severity = Severity.critical
    let summary = "a majority of nodes is up"

    func evaluate(_ s: FakeSnapshot) -> [Violation] {
        let up = s.nodes.count - s.down.count
        return up * 2 > s.nodes.count ? [] : [violation(on: .cluster, "only \(up) of \(s.nodes.count) nodes up")]
    }
}

/// An invariant that needs the metrics source: without it there is no verdict, and that is a source failure.
struct SlowNodeInvariant: Invariant {
    let id = "slow-node"
    let severity = Severity.warning
    let summary = "every node answers quickly (needs metrics)"
    func evaluate(_ s: FakeSnapshot) -> [Violation] { [] }
    func unavailableReason(in s: FakeSnapshot) -> String? { s.metricsError.map { "metrics unavailable: \($0)" } }
    func failedSource(in s: FakeSnapshot) -> String? { s.metricsError }
}

/// An invariant that never has data: proves skipped invariants neither open nor resolve tickets.
struct NoDataInvariant: Invariant {
    let id = "no-data"
    let severity = Severity.warning
    let summary = "needs metrics this fake never has"
    func evaluate(_ s: FakeSnapshot) -> [Violation] { [] }
    func unavailableReason(in s: FakeSnapshot) -> String? { "no metrics source" }
}

struct FakeKnowledge: DiagnosisKnowledge {
    var taxonomy: [DiagnosisCategory] {
        [DiagnosisCategory("node-down", "a node stopped"), DiagnosisCategory("quorum-lost", "majority gone")]
    }

    var rules: [DiagnosisRule] {
        [
            DiagnosisRule(category: "node-down") { c in
                let down = c.signals(named: "node.up").filter { $0.value == .bool(false) }
                guard let first = down.first, let entity = first.entity else {
                    return Hypothesis(category: "node-down", entity: c.incident.rootEntity, score: 0.05,
                                      explanation: "a node stopped", against: "every node answered")
                }
                return Hypothesis(category: "node-down", entity: entity, score: 0.9,
                                  explanation: "\(entity) stopped answering",
                                  supporting: down.map { $0.asEvidence() },
                                  actions: [.init(action: "restart \(entity)", rationale: "it is down", risk: "low")])
            },
            DiagnosisRule(category: "quorum-lost") { c in
                let down = c.signals(named: "node.up").filter { $0.value == .bool(false) }.count
                let total = c.signals(named: "node.up").count
                let lost = total > 0 && down * 2 >= total
                return Hypothesis(category: "quorum-lost", entity: .cluster, score: lost ? 0.95 : 0.1,
                                  explanation: "\(down) of \(total) nodes down",
                                  against: lost ? nil : "only \(down) of \(total) nodes down; a majority remains")
            },
        ]
    }

    func causalLinks(among violations: [Violation], in snapshot: FakeSnapshot) -> [CausalLink] {
        let downs = violations.filter { $0.invariant == "node-down" }
        return violations.filter { $0.invariant == "quorum-lost" }.flatMap { q in
            downs.map { CausalLink(cause: $0.key, effect: q.key, reason: "\($0.entity) is down") }
        } + AlertPlacement.sameEntityLinks(among: violations, preferred: ["node-down"])
    }

    /// An alert's `instance` `nX:9100` is node nX.
    func alertEntity(labels: [String: String], in snapshot: FakeSnapshot?) -> Entity {
        guard let snapshot, let host = labels["instance"]?.split(separator: ":").first.map(String.init), snapshot.nodes.contains(host) else {
            return .cluster
        }
        return Entity(kind: "node", id: host)
    }

    let cluster: FakeCluster
    func gatherEvidence(for request: EvidenceRequest, snapshot: FakeSnapshot?) async -> DiagnosisEvidence {
        let down = snapshot?.down ?? cluster.state.withLock { $0.down }
        return DiagnosisEvidence(
            signals: cluster.nodes.map {
                Signal("node.up", entity: Entity(kind: "node", id: $0), value: .bool(!down.contains($0)), source: "fake /health", expected: "true")
            },
            topology: .object(["nodes": .array(cluster.nodes.map { .string($0) })]))
    }
}

struct FakeSubject: Subject {
    let name = "fake"
    let cluster: FakeCluster
    var invariants: [any Invariant<FakeSnapshot>] { [NodeDownInvariant(), QuorumInvariant(), NoDataInvariant(), SlowNodeInvariant()] }
    var knowledge: FakeKnowledge { FakeKnowledge(cluster: cluster) }

    struct Unreachable: Error, CustomStringConvertible { let description: String }

    func observe() async throws -> FakeSnapshot {
        let (error, delay, down, metricsError) = cluster.state.withLock { s in
            s.observations += 1
            return (s.observationError, s.observeDelay, s.down, s.metricsError)
        }
        if delay > .zero { try await Task.sleep(for: delay) }
        if let error { throw Unreachable(description: error) }
        return FakeSnapshot(observedAt: Date(), nodes: cluster.nodes, down: down, metricsError: metricsError)
    }
}

/// A fresh database file in its own temporary directory, removed by `cleanup()`.
struct TemporaryDatabase {
    let directory: URL
    var path: String { directory.appendingPathComponent("tickets.db").path }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("operator-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func cleanup() { try? FileManager.default.removeItem(at: directory) }
}

extension Violation {
    static func fake(_ invariant: String, _ entity: Entity, _ severity: Severity = .critical) -> Violation {
        Violation(invariant: invariant, entity: entity, severity: severity, message: "\(invariant) on \(entity)")
    }
}
