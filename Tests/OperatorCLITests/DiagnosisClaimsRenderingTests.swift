import Foundation
import Hummingbird
import OperatorCore
import OperatorTestSupport
import Testing

extension EndToEnd {
    /// Evidence ids wherever a diagnosis is shown: `incidents show`, `diagnose --replay` (text and JSON),
    /// with a model diagnosis from an OpenAI-compatible double whose claims the context does not all back.
    @Suite("diagnosis text and JSON show claims with their evidence ids")
    struct DiagnosisClaimsRenderingTests {
        static let now = Date()

        /// A database with one incident and a stored offline diagnosis whose context has s1, s2 and t1.
        func seeded() async throws -> (TemporaryDirectory, String) {
            let dir = try TemporaryDirectory()
            let path = dir.file("operator.db")
            let store = try SQLiteTicketStore(path: path)
            let down = Violation(invariant: "store-down", entity: "store:2", severity: .critical, message: "store 2 is Disconnected")
            _ = try await store.record(TickFindings(subject: "tikv", at: Self.now, violations: [down], evaluated: ["store-down"]), policy: TicketPolicy())
            let incident = try #require(try await store.incidents(.all).first)
            let ticket = try #require(try await store.tickets(.all).first)
            let state = Signal("store.state", entity: "store:2", value: "Disconnected", source: "GET /pd/api/v1/stores", expected: "Up")
            let context = DiagnosisContext(
                subject: "tikv",
                incident: ContextIncident(id: incident.id, rootEntity: "store:2", rootInvariant: "store-down", title: "store 2 is Disconnected"),
                tickets: [ContextTicket(ticket)], otherOpenTickets: [],
                taxonomy: [DiagnosisCategory("node-down", "a node stopped"), DiagnosisCategory("disk-full", "no space")],
                evidence: DiagnosisEvidence(signals: [
                    state, Signal("store.available_ratio", entity: "store:2", value: 0.61, source: "GET /pd/api/v1/stores"),
                ]),
                builtAt: Self.now)
            let s1 = try #require(context.evidence.signals.first)
            let diagnosis = Diagnosis(
                summary: "Store 2 is down.", observation: "store 2 Disconnected",
                rootCause: .init(category: "node-down", entity: "store:2", explanation: "PD shows store 2 Disconnected"),
                confidence: 0.9, evidence: [s1.asEvidence()],
                alternatives: [.init(hypothesis: "disk-full", rejectedBecause: "61% free")],
                recommendedActions: [.init(action: "restart store 2", rationale: "it is down", risk: "low")],
                diagnoser: "offline", claims: [s1.claim("PD shows store 2 Disconnected")])
            try await store.recordDiagnosis(diagnosis, context: context, incidentID: incident.id, at: Self.now)
            return (dir, path)
        }

        static let modelAnswer: JSONValue = [
            "summary": "Store 2 stopped.", "observation": "store 2 Disconnected",
            "root_cause": ["category": "node-down", "entity": "store:2", "explanation": "the process is gone"],
            "confidence": 0.8,
            "evidence": [["id": "s1", "signal": "store.state", "query_or_source": "GET /pd/api/v1/stores", "value": "Disconnected"]],
            "alternatives": [["hypothesis": "disk-full", "rejected_because": "61% free"]],
            "recommended_actions": [["action": "restart store 2", "rationale": "down", "risk": "low"]],
            "claims": [
                ["text": "PD shows store 2 Disconnected", "evidence": ["s1", "t1"]],
                ["text": "the disk controller failed", "evidence": ["s9"]],
            ],
        ]

        @Test func incidentsShowAndReplayPrintClaimsWithIdsAndUnsupportedClaims() async throws {
            let (dir, db) = try await seeded()
            defer { dir.remove() }
            let show = try await OperatorBinary.run(["incidents", "show", "1", "--db", db])
            #expect(show.status == 0, "\(show.stderr)")
            #expect(show.stdout.contains("Claims (each cites the context evidence it rests on):\n  - PD shows store 2 Disconnected [s1]"), "\(show.stdout)")
            #expect(show.stdout.contains("  s1 "), "the evidence row carries its id")
            #expect(!show.stdout.contains("Unsupported claims"))

            let reply: JSONValue = [
                "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gemma3-270m",
                "choices": [["index": 0, "message": ["role": "assistant", "content": .string(Self.modelAnswer.jsonText)], "finish_reason": "stop"]],
                "usage": ["prompt_tokens": 900, "completion_tokens": 300, "total_tokens": 1200],
            ]
            let server = try await LoopbackServer.start { router in
                router.post("/v1/chat/completions") { _, _ in CannedResponse(body: reply.jsonText) }
            }
            defer { server.stop() }
            let model = ["diagnose", "--incident", "1", "--replay", "--db", db, "--diagnoser", "openai", "--base-url", server.baseURL + "/v1",
                         "--model", "gemma3-270m"]
            let text = try await OperatorBinary.run(model)
            #expect(text.status == 0, "\(text.stderr)")
            #expect(text.stdout.contains("  - PD shows store 2 Disconnected [s1, t1]"), "\(text.stdout)")
            #expect(text.stdout.contains("Unsupported claims (the context does not back them; confidence lowered 15 points each):"))
            #expect(text.stdout.contains("  ! \"the disk controller failed\": cites evidence s9, which the context does not have"))
            #expect(text.stdout.contains("confidence 65"), "0.8 lowered by 0.15: \(text.stdout)")

            let json = try await OperatorBinary.run(model + ["--json"])
            let diagnosis = try #require(((json.json as? [[String: Any]])?.first?["diagnosis"]) as? [String: Any])
            let unsupported = try #require(diagnosis["unsupported_claims"] as? [[String: Any]])
            #expect(unsupported.first?["claim"] as? String == "the disk controller failed")
            #expect((diagnosis["claims"] as? [[String: Any]])?.first?["evidence"] as? [String] == ["s1", "t1"])
            #expect((diagnosis["evidence"] as? [[String: Any]])?.first?["id"] as? String == "s1")
        }

        @Test func aFailedReplaySaysNothingWasStored() async throws {
            let (dir, db) = try await seeded()
            defer { dir.remove() }
            let port = try closedLocalPort()
            let r = try await OperatorBinary.run(
                ["diagnose", "--incident", "1", "--replay", "--db", db, "--diagnoser", "openai", "--base-url", "http://127.0.0.1:\(port)/v1",
                 "--model", "m", "--retries", "0"])
            #expect(r.status == 1)
            #expect(r.stdout.contains("replay stores nothing; the incident and its stored diagnosis are unchanged"), "\(r.stdout)")
            #expect(!r.stdout.contains("will be retried"))
        }

        @Test func modelLimitFlagsAreHeldToTheirRanges() async throws {
            let (dir, db) = try await seeded()
            defer { dir.remove() }
            let base = ["diagnose", "--incident", "1", "--replay", "--db", db, "--diagnoser", "openai", "--base-url", "http://127.0.0.1:9/v1", "--model", "m"]
            let tokens = try await OperatorBinary.run(base + ["--max-tokens", "10"])
            #expect(tokens.status == 2)
            #expect(tokens.stderr.contains("--max-tokens: 10 is out of range for diagnosis.max_tokens; allowed 256…65536"), "\(tokens.stderr)")
            let timeout = try await OperatorBinary.run(base + ["--model-timeout", "2h"])
            #expect(timeout.status == 2)
            #expect(timeout.stderr.contains("out of range for diagnosis.request_timeout"), "\(timeout.stderr)")
        }
    }
}
