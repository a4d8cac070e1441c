import DiagnosisProviders
import Foundation
import Logging
import OperatorCore
import OperatorTestSupport
import Testing

/// A model's claims go through the runner's audit like a rule's, but leniently: an unsupported claim is
/// stored with the diagnosis and lowers its confidence instead of rejecting it.
@Suite("model diagnoses: claims audited against the context and stored")
struct ModelClaimsAuditTests {
    /// Claims on the incident `OneStoreSubject` opens: s1 = store.state Disconnected, s2 = available 0.61, t1.
    static let answerWithClaims: JSONValue = [
        "summary": "Store 2 stopped heartbeating to PD.",
        "observation": "store 2 Disconnected",
        "root_cause": ["category": "node-down", "entity": "store:2", "explanation": "the store process is gone [s1]"],
        "confidence": 0.85,
        "evidence": [["id": "s1", "signal": "store.state (store:2)", "query_or_source": "GET /pd/api/v1/stores", "value": "Disconnected"]],
        "alternatives": [["hypothesis": "disk-full on store 2", "rejected_because": "61% available [s2]"]],
        "recommended_actions": [["action": "check the process on store 2", "rationale": "it stopped answering", "risk": "low"]],
        "claims": [
            ["text": "PD shows store 2 Disconnected", "evidence": ["s1", "t1"], "facts": [["evidence": "s1", "equals": "Disconnected"]]],
            ["text": "store 2's disk is nearly full", "evidence": ["s2"], "facts": [["evidence": "s2", "at_most": 0.05]]],
            ["text": "store 2's disk controller failed", "evidence": ["s7"]],
        ],
    ]

    @Test func unsupportedClaimsAreStoredWithTheDiagnosisAndLowerItsConfidence() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try SQLiteTicketStore(path: dir.file("operator.db"))
        let subject = OneStoreSubject()
        var failures = 0
        _ = await MonitorService(subject: subject, store: store, logger: Logger(label: "test")).runTick(number: 1, consecutiveFailures: &failures)

        let server = try await MessagesServer.start(answering: Self.answerWithClaims)
        defer { server.stop() }
        let diagnoser = AnthropicDiagnoser(configuration: .init(
            apiKey: "sk-ant-test", baseURL: server.baseURL, retry: RetryPolicy(maxAttempts: 1, timeout: .seconds(10))))
        let outcomes = await DiagnosisRunner(subject: subject, store: store, diagnoser: diagnoser, logger: Logger(label: "test"))
            .diagnosePending()
        let outcome = try #require(outcomes.first)
        #expect(outcome.error == nil, "a model's unsupported claims do not reject its diagnosis: \(outcome.error ?? "")")

        // The prompt listed the ids the claims cite.
        let prompt = try #require(server.log.all.first?.body)
        #expect(prompt.contains("s2 signal store.available_ratio on store:2 = 0.61"))

        let stored = try #require(try await store.incident(id: outcome.incidentID)?.diagnosis)
        #expect(stored.claims.count == 3)
        #expect(stored.unsupportedClaims.map(\.claim) == ["store 2's disk is nearly full", "store 2's disk controller failed"])
        #expect(stored.unsupportedClaims[0].problem.contains("the context has 0.61 (s2)"))
        #expect(stored.unsupportedClaims[1].problem.contains("cites evidence s7, which the context does not have"))
        #expect(abs(stored.confidence - 0.55) < 1e-9, "0.85 lowered 0.15 for each of 2 unsupported claims: \(stored.confidence)")
        // And the JSON a user reads carries them.
        let json = String(decoding: try JSONEncoder.operatorEncoder.encode(stored), as: UTF8.self)
        #expect(json.contains("\"unsupported_claims\":[{"))
        #expect(json.contains("\"evidence\":[\"s1\",\"t1\"]"))
    }
}
