import AsyncHTTPClient
import Foundation
import OperatorCore
import OperatorHTTP

/// A subject that exists only in this test target: a cluster of plain HTTP servers, each a node that is
/// up when it answers `GET /` with 2xx. Linked into no program, it proves a subject needs nothing from
/// the CLI to be run through the harness.
struct TinySubject: Subject {
    struct Snapshot: SubjectSnapshot {
        var observedAt: Date
        /// Node entity → why it did not answer, or `nil` when it did.
        var nodes: [Entity: String?]

        func statusLines() -> [String] {
            nodes.keys.sorted().map { "\($0) \(nodes[$0].flatMap { $0 } ?? "up")" }
        }

        enum CodingKeys: String, CodingKey { case observedAt = "observed_at", nodes }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(observedAt, forKey: .observedAt)
            try c.encode(Dictionary(uniqueKeysWithValues: nodes.map { ($0.key.description, $0.value ?? "up") }), forKey: .nodes)
        }
    }

    struct NodeUnreachable: Invariant {
        let id = "node-unreachable"
        let severity = Severity.critical
        let summary = "every node answers GET /"

        func evaluate(_ snapshot: Snapshot) -> [Violation] {
            snapshot.nodes.keys.sorted().compactMap { entity in
                guard let reason = snapshot.nodes[entity] ?? nil else { return nil }
                return violation(on: entity, "\(entity) does not answer: \(reason)")
            }
        }
    }

    struct Knowledge: DiagnosisKnowledge {
        typealias Snapshot = TinySubject.Snapshot

        var taxonomy: [DiagnosisCategory] {
            [DiagnosisCategory("node-down", "a node does not answer"), DiagnosisCategory("cluster-wide", "every node is affected")]
        }

        var rules: [DiagnosisRule] {
            [
                DiagnosisRule(category: "node-down") { context in
                    guard let root = context.rootTicket, root.invariant == "node-unreachable" else { return nil }
                    return Hypothesis(
                        category: "node-down", entity: root.entity, score: 0.9, explanation: "\(root.entity) stopped answering",
                        supporting: [.init(signal: "node.unreachable", queryOrSource: "GET /", value: root.entity.description)],
                        actions: [.init(action: "restart \(root.entity)", rationale: "it does not answer", risk: "low")])
                },
                DiagnosisRule(category: "cluster-wide") { context in
                    Hypothesis(
                        category: "cluster-wide", entity: .cluster, score: 0.1, explanation: "every node is affected",
                        against: "only \(context.tickets.count) node(s) have tickets")
                },
            ]
        }

        func gatherEvidence(for request: EvidenceRequest, snapshot: Snapshot?) async -> DiagnosisEvidence {
            DiagnosisEvidence(notes: ["tiny subject: the tickets are the evidence"])
        }
    }

    let name = "tiny"
    /// Node entity and its URL, in the deployment's member order.
    let nodes: [(Entity, String)]
    let invariants: [any Invariant<Snapshot>] = [NodeUnreachable()]
    let knowledge = Knowledge()

    func observe() async throws -> Snapshot {
        var seen: [Entity: String?] = [:]
        for (entity, url) in nodes {
            var request = HTTPClientRequest(url: url)
            request.method = .GET
            do {
                let response = try await OperatorHTTPClient.fetch(request, deadline: .seconds(1), maxBodyBytes: 1 << 20)
                seen[entity] = (200..<300).contains(response.status) ? .some(nil) : .some("HTTP \(response.status)")
            } catch {
                seen[entity] = .some(error.reason)
            }
        }
        return Snapshot(observedAt: Date(), nodes: seen)
    }
}
