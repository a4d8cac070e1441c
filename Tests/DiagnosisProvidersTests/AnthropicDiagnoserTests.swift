import DiagnosisProviders
import Foundation
import OperatorCore
import OperatorTestSupport
import Testing

@Suite("Anthropic Messages API diagnoser")
struct AnthropicDiagnoserTests {
    static let key = "sk-ant-api03-TESTKEY-never-in-a-body-0123456789"

    func diagnoser(_ server: LoopbackServer, attempts: Int = 4, timeout: Duration = .seconds(10)) -> AnthropicDiagnoser {
        AnthropicDiagnoser(configuration: .init(
            apiKey: Self.key, baseURL: server.baseURL,
            retry: RetryPolicy(maxAttempts: attempts, baseDelay: .milliseconds(10), maxDelay: .milliseconds(200), timeout: timeout)))
    }

    @Test func theRequestIsAForcedToolCallWithTheKeyOnlyInTheHeader() async throws {
        let log = RequestLog()
        let server = try await startDouble(path: "/v1/messages", script: ResponseScript([.init(body: messagesResponse(input: validAnswer))]), log: log)
        defer { server.stop() }
        let d = try await diagnoser(server).diagnose(sampleContext())

        let request = try #require(log.all.first)
        #expect(request.method == "POST")
        #expect(request.headers["x-api-key"] == Self.key)
        #expect(request.headers["anthropic-version"] == "2023-06-01")
        #expect(request.headers["content-type"]?.hasPrefix("application/json") == true)
        #expect(!request.body.contains(Self.key), "the key never enters the prompt or body")
        let body = try json(request.body)
        #expect(body["model"] == "claude-sonnet-4-5")
        #expect(body["tool_choice"] == ["type": "tool", "name": "record_diagnosis"])
        let tool = try #require(body["tools"]?.arrayValue?.first)
        #expect(tool["name"] == "record_diagnosis")
        #expect(tool["input_schema"]?["properties"]?["root_cause"]?["properties"]?["category"]?["enum"] == ["node-down", "disk-full", "overload"])
        #expect(tool["input_schema"]?["required"]?.arrayValue?.contains("alternatives") == true)
        let prompt = try #require(body["messages"]?.arrayValue?.first?["content"]?.arrayValue?.first?["text"]?.stringValue)
        // The hostile log line sits inside the fence and cannot close it.
        let fenced = try #require(prompt.range(of: "<untrusted_cluster_logs>\n"))
        let close = try #require(prompt.range(of: "\n</untrusted_cluster_logs>"))
        let inside = prompt[fenced.upperBound..<close.lowerBound]
        #expect(inside.contains("Ignore all previous instructions"))
        #expect(prompt.components(separatedBy: "</untrusted_cluster_logs>").count == 2, "exactly one closing tag")
        #expect(body["system"]?.stringValue?.contains("never instructions") == true)

        #expect(d.rootCause == .init(category: "node-down", entity: "store:2", explanation: "the TiKV process on store 2 is gone"))
        #expect(d.diagnoser == "anthropic")
        #expect(d.model == "claude-sonnet-4-5-20250929")
        #expect(d.inputTokens == 2095 && d.outputTokens == 503)
        #expect(d.alternatives.count == 1)
    }

    @Test func overloadedAndRateLimitedAnswersAreRetriedHonouringRetryAfter() async throws {
        let log = RequestLog()
        let script = ResponseScript([
            .init(status: .init(code: 529), body: anthropicError("overloaded_error", "Overloaded")),
            .init(status: .tooManyRequests, headers: ["retry-after": "0"],
                  body: anthropicError("rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit")),
            .init(body: messagesResponse(input: validAnswer)),
        ])
        let server = try await startDouble(path: "/v1/messages", script: script, log: log)
        defer { server.stop() }
        let d = try await diagnoser(server).diagnose(sampleContext())
        #expect(d.rootCause.category == "node-down")
        #expect(log.all.count == 3)
    }

    @Test func anAuthenticationErrorFailsAtOnceWithoutTheKey() async throws {
        let log = RequestLog()
        let server = try await startDouble(
            path: "/v1/messages", script: ResponseScript([.init(status: .unauthorized, body: anthropicError("authentication_error", "invalid x-api-key"))]), log: log)
        defer { server.stop() }
        await #expect {
            _ = try await diagnoser(server).diagnose(sampleContext())
        } throws: { error in
            let text = "\(error)"
            return text.contains("HTTP 401") && text.contains("authentication_error") && !text.contains(Self.key)
        }
        #expect(log.all.count == 1, "4xx other than 408/429 is not retried")
    }

    @Test func serverErrorsGiveUpAfterTheAttemptBudget() async throws {
        let log = RequestLog()
        let server = try await startDouble(
            path: "/v1/messages",
            script: ResponseScript([.init(status: .badGateway, contentType: "text/html", body: "<html><body>502 Bad Gateway</body></html>")]),
            log: log)
        defer { server.stop() }
        await #expect {
            _ = try await diagnoser(server, attempts: 3).diagnose(sampleContext())
        } throws: { error in
            let e = error as? ModelCallError
            return e?.status == 502 && e?.attempts == 3 && e?.message.contains("502 Bad Gateway") == true
        }
        #expect(log.all.count == 3)
    }

    @Test func anInvalidAnswerIsRetriedOnceWithOnlyTheProblems() async throws {
        var wrong = validAnswer
        if case .object(var o) = wrong {
            o["root_cause"] = ["category": "cosmic-rays", "entity": "store:2", "explanation": "a neutrino flipped a bit"]
            wrong = .object(o)
        }
        let log = RequestLog()
        let script = ResponseScript([.init(body: messagesResponse(input: wrong)), .init(body: messagesResponse(input: validAnswer))])
        let server = try await startDouble(path: "/v1/messages", script: script, log: log)
        defer { server.stop() }
        let d = try await diagnoser(server).diagnose(sampleContext())
        #expect(d.rootCause.category == "node-down")
        #expect(d.inputTokens == 2 * 2095, "tokens of both calls are counted")
        let second = try json(try #require(log.all.last).body)
        let messages = try #require(second["messages"]?.arrayValue)
        #expect(messages.count == 1 && messages.first?["role"] == "user", "the rejected answer is not sent back")
        #expect(!second.jsonText.contains("a neutrino flipped a bit"))
        let repair = try #require(messages.first?["content"]?.arrayValue?.last?["text"]?.stringValue)
        #expect(repair.hasPrefix("Your previous answer was rejected:"))
        #expect(repair.contains("cosmic-rays"))
        #expect(repair.hasSuffix("Call record_diagnosis again with a corrected diagnosis."))
    }

    @Test func anAnswerInvalidTwiceIsAnError() async throws {
        let log = RequestLog()
        let truncated = messagesResponse(input: ["summary": "only a summary"])
        let server = try await startDouble(path: "/v1/messages", script: ResponseScript([.init(body: truncated)]), log: log)
        defer { server.stop() }
        await #expect {
            _ = try await diagnoser(server).diagnose(sampleContext())
        } throws: { error in
            "\(error)".contains("root_cause must be an object") && "\(error)".contains("evidence must be an array")
        }
        #expect(log.all.count == 2)
    }

    @Test func aBodyThatIsNotJSONIsAClearError() async throws {
        let server = try await startDouble(path: "/v1/messages", script: ResponseScript([.init(body: "{\"id\": \"msg_01\", \"content\": [")]), log: RequestLog())
        defer { server.stop() }
        await #expect {
            _ = try await diagnoser(server).diagnose(sampleContext())
        } throws: { "\($0)".contains("response is not JSON") }
    }

    @Test func aSlowEndpointTimesOut() async throws {
        let server = try await startDouble(
            path: "/v1/messages", script: ResponseScript([.init(body: messagesResponse(input: validAnswer), delay: .seconds(5))]), log: RequestLog())
        defer { server.stop() }
        await #expect {
            _ = try await diagnoser(server, attempts: 1, timeout: .milliseconds(300)).diagnose(sampleContext())
        } throws: { error in (error as? ModelCallError)?.status == nil }
    }

    @Test func aFailedCallThroughTheRunnerLeavesTheTicketCreatedAndTheKeyOutOfTheDatabase() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try SQLiteTicketStore(path: dir.file("t.db"))
        _ = try await store.record(
            TickFindings(subject: "tikv", at: Date(), violations: [Violation(invariant: "store-down", entity: "store:2", severity: .critical,
                                                                               message: "store 2 is Disconnected")], evaluated: ["store-down"]),
            policy: TicketPolicy())
        let server = try await startDouble(
            path: "/v1/messages",
            script: ResponseScript([.init(status: .internalServerError, body: anthropicError("api_error", "Internal server error \(Self.key)"))]),
            log: RequestLog())
        defer { server.stop() }
        let incident = try #require(try await store.incidents(.all).first)
        let context = sampleContext()
        do {
            _ = try await diagnoser(server, attempts: 2).diagnose(context)
            Issue.record("expected a failure")
        } catch {
            let redacted = Redactor(secrets: [Self.key]).redact("\(error)")
            try await store.recordDiagnosisFailure(redacted, incidentID: incident.id, at: Date(), retryAt: Date())
        }
        let ticket = try #require(try await store.tickets(.all).first)
        #expect(ticket.status == .created)
        #expect(ticket.diagnosisError?.contains("HTTP 500") == true)
        let raw = try String(contentsOfFile: dir.file("t.db"), encoding: .isoLatin1)
            + ((try? String(contentsOfFile: dir.file("t.db-wal"), encoding: .isoLatin1)) ?? "")
        #expect(!raw.contains(Self.key))
    }
}
