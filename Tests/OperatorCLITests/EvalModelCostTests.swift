import Foundation
import Hummingbird
import OperatorCore
import OperatorTestSupport
import Testing

extension EndToEnd {
    /// `operator eval --diagnoser openai`: per scenario the model calls, tokens in and out, seconds, and
    /// the cost at `diagnosis.price_per_mtok`, in the text table and in `--json`; `--model-timeout` is
    /// the budget of each call.
    @Suite("operator eval with a model: tokens, seconds and cost per scenario")
    struct EvalModelCostTests {
        static var context: String { PackagePaths.root.appendingPathComponent("Tests/Scenarios/contexts/etcd-member-down.json").path }

        /// An OpenAI-compatible double answering a diagnosis of the replayed etcd incident, after `delay`.
        static func startServer(requests: RequestLog, delay: Duration = .zero) async throws -> LoopbackServer {
            let answer: JSONValue = [
                "summary": "Member e2 stopped answering.", "observation": "member e2 refuses connections",
                "root_cause": ["category": "node-down", "entity": "member:e2", "explanation": "the etcd process of e2 is gone"],
                "confidence": 0.7,
                "evidence": [["id": "s1", "signal": "member health", "query_or_source": "GET /health", "value": "connection refused"]],
                "alternatives": [["hypothesis": "network partition", "rejected_because": "the other members answer"]],
                "recommended_actions": [["action": "restart e2", "rationale": "its process is gone", "risk": "low"]],
                "claims": [["text": "member e2 refuses connections", "evidence": ["s1"]]],
            ]
            return try await LoopbackServer.start { router in
                router.post("/v1/chat/completions") { request, _ -> CannedResponse in
                    requests.record(request, body: String(buffer: try await request.body.collect(upTo: 8 << 20)))
                    let reply: JSONValue = [
                        "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "eval-model",
                        "choices": [["index": 0, "message": ["role": "assistant", "content": .string(answer.jsonText)], "finish_reason": "stop"]],
                        "usage": ["prompt_tokens": 3000, "completion_tokens": 600, "total_tokens": 3600],
                    ]
                    if delay > .zero { try await Task.sleep(for: delay) }
                    return CannedResponse(body: reply.jsonText)
                }
            }
        }

        @Test func evalReportsModelTokensSecondsAndCost() async throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            try """
                name: replayed-member-down
                replay: \(Self.context)
                expect: { category: node-down, entity: "member:e2" }
                """.write(toFile: dir.file("a.yaml"), atomically: true, encoding: .utf8)
            try "diagnosis:\n  price_per_mtok: { input: 3, output: 15 }\n".write(toFile: dir.file("operator.yaml"), atomically: true, encoding: .utf8)
            let requests = RequestLog()
            let server = try await Self.startServer(requests: requests)
            defer { server.stop() }
            let common = ["eval", dir.file("a.yaml"), "--diagnoser", "openai", "--base-url", server.baseURL + "/v1", "--model", "eval-model",
                          "--retries", "0", "--config", dir.file("operator.yaml")]

            let json = try await OperatorBinary.run(common + ["--json"])
            #expect(json.status == 0, "\(json.stderr.suffix(800))")
            let report = json.json as? [String: Any] ?? [:]
            let result = try #require((report["results"] as? [[String: Any]])?.first)
            let model = try #require(result["model"] as? [String: Any], "\(result)")
            #expect(model["calls"] as? Int == 1)
            #expect(model["input_tokens"] as? Int == 3000 && model["output_tokens"] as? Int == 600)
            #expect((model["seconds"] as? Double).map { $0 >= 0 } == true)
            // 3,000 × $3 + 600 × $15 per million tokens.
            #expect((model["cost_usd"] as? Double).map { abs($0 - 0.018) < 1e-9 } == true, "\(model)")
            #expect((report["model"] as? [String: Any])?["input_tokens"] as? Int == 3000)
            #expect(requests.all.count == 1)

            let text = try await OperatorBinary.run(common)
            #expect(text.status == 0, "\(text.stderr.suffix(800))")
            #expect(text.stdout.contains("TOKENS IN/OUT") && text.stdout.contains("3000/600"), "\(text.stdout)")
            #expect(text.stdout.contains("$0.0180"), "\(text.stdout)")
            #expect(text.stdout.contains("model: 1 calls, 3000 tokens in, 600 tokens out"), "\(text.stdout)")

            let offline = try await OperatorBinary.run(["eval", dir.file("a.yaml")])
            #expect(offline.status == 0)
            #expect(!offline.stdout.contains("TOKENS IN/OUT"), "no model ran: no token columns")
        }

        @Test func theModelTimeoutBoundsEachCallAndABadPriceIsRefused() async throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            try """
                name: replayed-member-down
                replay: \(Self.context)
                expect: { category: node-down, entity: "member:e2" }
                """.write(toFile: dir.file("a.yaml"), atomically: true, encoding: .utf8)
            let requests = RequestLog()
            let server = try await Self.startServer(requests: requests, delay: .seconds(20))
            defer { server.stop() }
            let slow = try await OperatorBinary.run(
                ["eval", dir.file("a.yaml"), "--diagnoser", "openai", "--base-url", server.baseURL + "/v1", "--model", "eval-model",
                 "--retries", "0", "--model-timeout", "2s", "--json"], timeout: .seconds(25))
            let result = (((slow.json as? [String: Any])?["results"]) as? [[String: Any]])?.first ?? [:]
            #expect((result["error"] as? String)?.contains("2s request deadline") == true, "\(result) \(slow.stderr.suffix(400))")
            #expect((result["model"] as? [String: Any])?["calls"] as? Int == 1)

            try "diagnosis:\n  price_per_mtok: { input: 3, outptu: 15 }\n".write(toFile: dir.file("bad.yaml"), atomically: true, encoding: .utf8)
            let bad = try await OperatorBinary.run(["eval", dir.file("a.yaml"), "--config", dir.file("bad.yaml")])
            #expect(bad.status != 0)
            #expect(bad.stderr.contains("diagnosis.price_per_mtok.outptu"), "\(bad.stderr)")
            let range = try await OperatorBinary.run(["eval", dir.file("a.yaml"), "--model-timeout", "0s"])
            #expect(range.status != 0 && range.stderr.contains("--model-timeout"), "\(range.stderr)")
        }
    }
}
