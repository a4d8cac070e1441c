import DiagnosisProviders
import Foundation
import Hummingbird
import OperatorCore
import OperatorTestSupport
import Synchronization

/// An OpenAI-compatible `/v1/chat/completions` server that behaves like llama.cpp's: it reads the
/// `response_format` schema with its key order, makes its model (`GrammarModel`, answering `intended`)
/// write under that grammar, cuts the reply at `max_tokens` with `finish_reason: "length"`, and counts
/// prompt and completion tokens. Its dialect decides which response formats it takes.
final class GrammarChatServer: Sendable {
    enum Dialect: Sendable {
        /// llama.cpp's llama-server, vLLM, Ollama: `json_schema`, strict or not.
        case jsonSchema
        /// OpenAI's API: refuses `maxItems` in a strict schema with HTTP 400.
        case refusesStrict
        /// llama-cpp-python's server: only `text` and `json_object` (with `schema`); `json_schema` gets
        /// HTTP 500 with pydantic's words (observed on 0.3.36).
        case jsonObjectOnly
    }

    let server: LoopbackServer
    let log: RequestLog

    var baseURL: String { server.baseURL + "/v1" }

    static func start(answering answers: [JSONValue], dialect: Dialect = .jsonSchema) async throws -> GrammarChatServer {
        let log = RequestLog()
        let queue = Mutex(answers)
        let server = try await LoopbackServer.start { router in
            router.post("/v1/chat/completions") { request, _ -> CannedResponse in
                let text = String(buffer: try await request.body.collect(upTo: 4 << 20))
                log.record(request, body: text)
                let body = try OrderedJSONParser.parse(text)
                let format = body["response_format"]
                let type = format?["type"]?.unordered.stringValue
                if dialect == .jsonObjectOnly, type == "json_schema" {
                    return CannedResponse(
                        status: .internalServerError,
                        body: #"{"error":{"message":"1 validation error:\n  {'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), 'msg': \"Input should be 'text' or 'json_object'\", 'input': 'json_schema'}","type":"internal_server_error","param":null,"code":null}}"#)
                }
                if dialect == .refusesStrict, format?["json_schema"]?["strict"]?.unordered == .bool(true) {
                    return CannedResponse(
                        status: .badRequest,
                        body: #"{"error":{"message":"Invalid schema for response_format 'record_diagnosis': 'maxItems' is not permitted.","type":"invalid_request_error","param":"response_format"}}"#)
                }
                guard let schema = type == "json_object" ? format?["schema"] : format?["json_schema"]?["schema"] else {
                    return CannedResponse(status: .badRequest, body: #"{"error":{"message":"a response_format with a schema is expected","type":"invalid_request_error"}}"#)
                }
                let intended = queue.withLock { q in q.count > 1 ? q.removeFirst() : q[0] }
                let maxTokens = body["max_tokens"]?.unordered.doubleValue.flatMap { Int(exactly: $0) } ?? 4096
                let full = GrammarModel.write(schema: schema, intended: intended, characterLimit: maxTokens * 4 + 64)
                let cut = GrammarModel.tokens(full) > maxTokens
                let content = cut ? String(full.prefix(maxTokens * 4)) : full
                let promptTokens = GrammarModel.tokens(body["messages"]?.text ?? "")
                let completionTokens = GrammarModel.tokens(content)
                let reply: JSONValue = [
                    "id": "chatcmpl-grammar", "object": "chat.completion", "created": 1_795_417_505, "model": "gemma3-270m",
                    "choices": [["index": 0, "message": ["role": "assistant", "content": .string(content)],
                                 "finish_reason": .string(cut ? "length" : "stop")]],
                    "usage": ["prompt_tokens": .number(Double(promptTokens)), "completion_tokens": .number(Double(completionTokens)),
                              "total_tokens": .number(Double(promptTokens + completionTokens))],
                ]
                return CannedResponse(body: reply.jsonText)
            }
        }
        return GrammarChatServer(server: server, log: log)
    }

    private init(server: LoopbackServer, log: RequestLog) {
        self.server = server
        self.log = log
    }

    func stop() { server.stop() }
}

/// An Anthropic Messages API server whose model answers `intended` through the forced tool; an answer
/// longer than `max_tokens` ends with `stop_reason: "max_tokens"` and the tool input cut off (the API sends
/// the incomplete block as an empty input).
final class MessagesServer: Sendable {
    let server: LoopbackServer
    let log: RequestLog

    var baseURL: String { server.baseURL }

    static func start(answering intended: JSONValue) async throws -> MessagesServer {
        let log = RequestLog()
        let server = try await LoopbackServer.start { router in
            router.post("/v1/messages") { request, _ -> CannedResponse in
                let text = String(buffer: try await request.body.collect(upTo: 4 << 20))
                log.record(request, body: text)
                let body = try OrderedJSONParser.parse(text)
                let maxTokens = body["max_tokens"]?.unordered.doubleValue.flatMap { Int(exactly: $0) } ?? 4096
                let answerTokens = GrammarModel.tokens(intended.jsonText)
                let cut = answerTokens > maxTokens
                let reply: JSONValue = [
                    "id": "msg_01", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5-20250929",
                    "content": [["type": "tool_use", "id": "toolu_01", "name": "record_diagnosis", "input": cut ? [:] : intended]],
                    "stop_reason": .string(cut ? "max_tokens" : "tool_use"), "stop_sequence": nil,
                    "usage": ["input_tokens": .number(Double(GrammarModel.tokens(text))),
                              "output_tokens": .number(Double(min(answerTokens, maxTokens)))],
                ]
                return CannedResponse(body: reply.jsonText)
            }
        }
        return MessagesServer(server: server, log: log)
    }

    private init(server: LoopbackServer, log: RequestLog) {
        self.server = server
        self.log = log
    }

    func stop() { server.stop() }
}
