import Foundation
import Hummingbird
import OperatorCore
import OperatorTestSupport
import Testing

extension EndToEnd {
    /// `operator bench diagnosis --diagnoser openai`: each incident is also diagnosed once by the model,
    /// with its seconds and the server's token counts.
    @Suite("operator bench diagnosis with a model")
    struct BenchModelDiagnosisTests {
        @Test func eachIncidentGetsOneModelDiagnosisWithItsTokens() async throws {
            // An OpenAI-compatible double: a diagnosis of the cluster that cites the incident's first ticket.
            let answer: JSONValue = [
                "summary": "A member is unhealthy.", "observation": "a member ticket is open",
                "root_cause": ["category": "node-down", "entity": "cluster", "explanation": "a member is down"],
                "confidence": 0.5,
                "evidence": [["id": "s1", "signal": "member", "query_or_source": "member list", "value": "see s1"]],
                "alternatives": [["hypothesis": "slow disk", "rejected_because": "no fsync signal"]],
                "recommended_actions": [["action": "check the member", "rationale": "it is down", "risk": "low"]],
                "claims": [["text": "the incident has a ticket", "evidence": ["s1"]]],
            ]
            let requests = RequestLog()
            let server = try await LoopbackServer.start { router in
                router.post("/v1/chat/completions") { request, _ -> CannedResponse in
                    requests.record(request, body: String(buffer: try await request.body.collect(upTo: 8 << 20)))
                    let reply: JSONValue = [
                        "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "bench-model",
                        "choices": [["index": 0, "message": ["role": "assistant", "content": .string(answer.jsonText)], "finish_reason": "stop"]],
                        "usage": ["prompt_tokens": 3000, "completion_tokens": 600, "total_tokens": 3600],
                    ]
                    return CannedResponse(body: reply.jsonText)
                }
            }
            defer { server.stop() }
            let r = try await OperatorBinary.run(
                ["bench", "diagnosis", "--iterations", "2", "--build-iterations", "1", "--json", "--diagnoser", "openai",
                 "--base-url", server.baseURL + "/v1", "--model", "bench-model", "--retries", "0"], timeout: .seconds(300))
            #expect(r.status == 0, "\(r.stderr.suffix(800))")
            let incidents = try #require((r.json as? [String: Any])?["incidents"] as? [[String: Any]])
            #expect(!incidents.isEmpty)
            #expect(requests.all.count == incidents.count, "one model call per incident")
            for incident in incidents {
                let model = try #require(incident["model"] as? [String: Any], "\(incident["scenario"] ?? "?") has no model run")
                #expect(model["input_tokens"] as? Int == 3000 && model["output_tokens"] as? Int == 600)
                #expect((model["context_tokens"] as? Int ?? 0) > 0)
                // Either accepted (audited) or rejected with the reason; never silently missing.
                #expect(model["accepted"] as? Bool == true || (model["error"] as? String)?.isEmpty == false, "\(model)")
                #expect((model["seconds"] as? Double).map { $0 >= 0 } == true)
            }
        }
    }
}
