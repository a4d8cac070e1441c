import DiagnosisProviders
import Foundation
import OperatorCore
import OperatorTestSupport
import Testing

@Suite("diagnosis schema: one source, writing order, bounds, enums of the context")
struct DiagnosisSchemaTests {
    @Test func bothProvidersSendTheSchemaWithItsPropertiesInWritingOrder() async throws {
        let chat = try await GrammarChatServer.start(answering: [validAnswer])
        defer { chat.stop() }
        let messages = try await MessagesServer.start(answering: validAnswer)
        defer { messages.stop() }
        _ = try await OpenAICompatibleDiagnoser(configuration: .init(baseURL: chat.baseURL, model: "gemma3-270m")).diagnose(sampleContext())
        _ = try await AnthropicDiagnoser(configuration: .init(apiKey: "sk-ant-test", baseURL: messages.baseURL)).diagnose(sampleContext())

        let chatBody = try OrderedJSONParser.parse(try #require(chat.log.all.first).body)
        let chatSchema = try #require(chatBody["response_format"]?["json_schema"]?["schema"])
        let messagesBody = try OrderedJSONParser.parse(try #require(messages.log.all.first).body)
        let toolSchema = try #require(messagesBody["tools"].flatMap { if case .array(let a) = $0 { a.first } else { nil } }?["input_schema"])
        for schema in [chatSchema, toolSchema] {
            #expect(schema["properties"]?.keys == DiagnosisSchema.propertyOrder)
            #expect(schema["properties"]?["root_cause"]?["properties"]?.keys == ["category", "entity", "explanation"])
            #expect(schema["properties"]?["evidence"]?["items"]?["properties"]?.keys.first == "id")
        }
        #expect(chatSchema == toolSchema, "one schema source for both providers")
        #expect(chatBody["response_format"]?["json_schema"]?["strict"]?.unordered == .bool(true))
    }

    @Test func everyArrayAndStringIsBounded() throws {
        var unbounded: [String] = []
        func walk(_ s: OrderedJSON, _ path: String) {
            switch s["type"]?.unordered.stringValue {
            case "array":
                if s["maxItems"] == nil { unbounded.append(path) }
                if let items = s["items"] { walk(items, path + "[]") }
            case "string":
                if s["maxLength"] == nil && s["enum"] == nil { unbounded.append(path) }
            case "object":
                for key in s["properties"]?.keys ?? [] { if let p = s["properties"]?[key] { walk(p, path + "." + key) } }
            default:
                break
            }
        }
        let schema = DiagnosisSchema.jsonSchema(for: sampleContext())
        walk(schema, "$")
        for name in schema["$defs"]?.keys ?? [] { if let d = schema["$defs"]?[name] { walk(d, "$defs." + name) } }
        #expect(unbounded.isEmpty, "unbounded: \(unbounded)")
    }

    @Test func categoryEntityAndEvidenceIdsAreEnumsOfTheContext() throws {
        let context = sampleContext()
        let schema = DiagnosisSchema.jsonSchema(for: context).unordered
        let root = schema["properties"]?["root_cause"]?["properties"]
        #expect(root?["category"]?["enum"] == ["node-down", "disk-full", "overload"])
        // The root first, then every other entity the context names, then the cluster.
        #expect(root?["entity"]?["enum"] == ["store:2", "cluster", "store:1"])
        #expect(context.evidenceIDs == ["s1", "l1", "t11"])
        // The ids are written once, under $defs, and referenced where an id is cited.
        #expect(schema["$defs"]?["evidence_id"]?["enum"] == ["s1", "l1", "t11"])
        let ref: JSONValue = ["$ref": "#/$defs/evidence_id"]
        #expect(schema["properties"]?["evidence"]?["items"]?["properties"]?["id"] == ref)
        #expect(schema["properties"]?["claims"]?["items"]?["properties"]?["evidence"]?["items"] == ref)
        #expect(schema["properties"]?["claims"]?["items"]?["properties"]?["facts"]?["items"]?["properties"]?["evidence"] == ref)
        let text = DiagnosisSchema.jsonSchema(for: context).text
        #expect(text.components(separatedBy: "\"t11\"").count == 2, "the id list appears once in the schema")
        // Properties still come first: $defs does not change the writing order.
        #expect(DiagnosisSchema.jsonSchema(for: context).keys.last == "$defs")
    }

    @Test func aGrammarFollowsTheReferenceToTheIdEnum() throws {
        let schema = DiagnosisSchema.jsonSchema(for: sampleContext())
        // An id the context lacks is replaced by the enum's first, as a grammar would force it.
        let intended = answer(["evidence": [["id": "s9", "signal": "x", "value": "y", "query_or_source": "z"]]])
        let text = GrammarModel.write(schema: schema, intended: intended, characterLimit: 100_000)
        let written = try json(text)
        #expect(written["evidence"]?.arrayValue?.first?["id"] == "s1", "\(text)")
        // The claim's ids pass through the same reference (repeated up to maxItems, as a grammar lets a small model).
        #expect(written["claims"]?.arrayValue?.first?["evidence"]?.arrayValue?.allSatisfy { ["s1", "l1", "t11"].contains($0) } == true)
    }

    @Test func anEntityOutsideTheContextIsRejectedNamingTheAllowedOnes() throws {
        let bad = answer(["root_cause": ["category": "node-down", "entity": "store-down", "explanation": "x"]])
        #expect {
            _ = try DiagnosisSchema.diagnosis(from: bad, context: sampleContext(), diagnoser: "openai", model: "m")
        } throws: { error in
            "\(error)".contains("root_cause.entity \"store-down\" is not an entity of this incident; use one of: store:2, cluster, store:1")
        }
        let elsewhere = answer(["root_cause": ["category": "node-down", "entity": "store:9", "explanation": "x"]])
        #expect(throws: DiagnosisSchema.InvalidOutput.self) {
            _ = try DiagnosisSchema.diagnosis(from: elsewhere, context: sampleContext(), diagnoser: "openai", model: "m")
        }
    }

    @Test func aCategoryOutsideTheTaxonomyAndTooManyItemsAreRejected() throws {
        let cosmic = answer(["root_cause": ["category": "cosmic-rays", "entity": "store:2", "explanation": "x"]])
        #expect {
            _ = try DiagnosisSchema.diagnosis(from: cosmic, context: sampleContext(), diagnoser: "openai", model: "m")
        } throws: { "\($0)".contains("root_cause.category \"cosmic-rays\" is not in the taxonomy") }
        let n = DiagnosisSchema.Bounds.alternatives + 1
        let many = answer(["alternatives": .array(Array(repeating: ["hypothesis": "h", "rejected_because": "r"], count: n))])
        #expect {
            _ = try DiagnosisSchema.diagnosis(from: many, context: sampleContext(), diagnoser: "openai", model: "m")
        } throws: { "\($0)".contains("alternatives has \(n) items; at most \(n - 1)") }
        let long = answer(["summary": .string(String(repeating: "x", count: 121))])
        #expect {
            _ = try DiagnosisSchema.diagnosis(from: long, context: sampleContext(), diagnoser: "openai", model: "m")
        } throws: { "\($0)".contains("summary is 121 characters; at most 120") }
    }

    /// What a model that writes as much as it may would intend: every string long, every optional field
    /// present, every enum a valid value.
    static let overfullAnswer: JSONValue = {
        let long = JSONValue.string(String(repeating: "store two stopped ", count: 60))
        return [
            "summary": long, "observation": long,
            "root_cause": ["category": "node-down", "entity": "store:2", "explanation": long],
            "confidence": 0.875,
            "evidence": [["id": "t11", "signal": long, "value": long, "query_or_source": long, "expected": long, "note": long]],
            "alternatives": [["hypothesis": long, "rejected_because": long]],
            "recommended_actions": [["action": long, "rationale": long, "risk": "medium"]],
            "claims": [["text": long, "evidence": ["t11"], "facts": [
                ["evidence": "t11", "equals": long, "at_least": 12345.678, "at_most": 98765.432, "aggregate": "last"],
            ]]],
        ]
    }()

    /// The largest answer with one string or array, somewhere, one character or item over its bound:
    /// (path, the bound, the answer).
    static func overruns(_ given: OrderedJSON, _ value: JSONValue, root: OrderedJSON, path: String) -> [(String, Int, JSONValue)] {
        var schema = given
        if let ref = given["$ref"]?.unordered.stringValue, let target = GrammarModel.resolve(ref, in: root) { schema = target }
        func bound(_ key: String) -> Int? { schema[key]?.unordered.doubleValue.flatMap { Int(exactly: $0) } }
        var out: [(String, Int, JSONValue)] = []
        switch value {
        case .string(let s):
            if let max = bound("maxLength") { out.append((path, max, .string(s + String(repeating: "x", count: max + 1 - s.count)))) }
        case .object(let o):
            for (key, child) in o {
                guard let property = schema["properties"]?[key] else { continue }
                for (p, b, changed) in overruns(property, child, root: root, path: path + "." + key) {
                    var copy = o
                    copy[key] = changed
                    out.append((p, b, .object(copy)))
                }
            }
        case .array(let items):
            guard let first = items.first else { break }
            if let max = bound("maxItems") { out.append((path, max, .array(items + Array(repeating: first, count: max + 1 - items.count)))) }
            for (p, b, changed) in overruns(schema["items"] ?? [:], first, root: root, path: path + "[0]") {
                out.append((p, b, .array([changed] + items.dropFirst())))
            }
        default:
            break
        }
        return out
    }

    @Test func theValidatorsBoundsAreTheSchemas() throws {
        let context = sampleContext()
        let schema = DiagnosisSchema.jsonSchema(for: context)
        // The largest answer the grammar lets a model write: every string at its maxLength, every array at
        // its maxItems. The validator takes it (no bound of its own is tighter)…
        let text = GrammarModel.write(schema: schema, intended: Self.overfullAnswer, characterLimit: 1_000_000)
        let largest = try json(text)
        let d = try DiagnosisSchema.diagnosis(from: largest, context: context, diagnoser: "openai", model: "m")
        #expect(d.summary.count == DiagnosisSchema.Bounds.paragraph && d.evidence.count == DiagnosisSchema.Bounds.evidenceItems)
        #expect(d.claims.count == DiagnosisSchema.Bounds.claims && d.claims.first?.facts.count == DiagnosisSchema.Bounds.factsPerClaim)
        // …and it is small enough for a small model's 1,200 output tokens (issue 13: about 2,500 characters;
        // it was about 13,000).
        #expect(text.count <= 2_700, "the largest answer is \(text.count) characters")
        // …and rejects one character or item more anywhere, naming the same bound (none is looser).
        let overs = Self.overruns(schema, largest, root: schema, path: "")
        #expect(overs.count >= 20, "\(overs.map(\.0))")
        for (path, bound, over) in overs {
            let name = String(path.split(separator: ".").last?.split(separator: "[").first ?? "")
            do {
                _ = try DiagnosisSchema.diagnosis(from: over, context: context, diagnoser: "openai", model: "m")
                Issue.record("\(path) is over its schema bound \(bound), and the validator took it")
            } catch {
                #expect("\(error)".contains("at most \(bound)") && "\(error)".contains(name), "\(path): \(error)")
            }
        }
    }

    @Test func theSystemPromptStatesTheBounds() {
        let system = DiagnosisPrompt.system(subject: "tikv", taxonomy: sampleContext().taxonomy, channel: .jsonReply)
        typealias B = DiagnosisSchema.Bounds
        #expect(system.contains("at most \(B.paragraph) characters each"))
        #expect(system.contains("At most \(B.evidenceItems) evidence rows, \(B.alternatives) alternatives, \(B.actions) recommended actions and \(B.claims) claims"))
        #expect(system.contains("rationale and claim text at most \(B.sentence)"))
    }

    @Test func claimsAreDecodedWithTheirIdsAndFactsEvenWhenTheContextLacksAnId() throws {
        let a = answer(["claims": [
            ["text": "store 2 is Disconnected", "evidence": ["s1"], "facts": [["evidence": "s1", "equals": "Disconnected"]]],
            ["text": "store 2 ran out of disk", "evidence": ["s9"]],
        ]])
        let d = try DiagnosisSchema.diagnosis(from: a, context: sampleContext(), diagnoser: "openai", model: "m")
        #expect(d.claims == [
            Claim("store 2 is Disconnected", evidence: ["s1"], facts: [Fact(evidence: "s1", equals: "Disconnected")]),
            Claim("store 2 ran out of disk", evidence: ["s9"]),
        ])
        #expect(d.evidence.first?.id == "s1")
        #expect(ClaimCheck.problems(in: d, against: sampleContext()).map(\.claim) == ["store 2 ran out of disk"])
    }

    @Test func eachPromptNamesTheAnswerChannelItHasAndEveryEvidenceId() {
        let context = sampleContext()
        let openaiSystem = DiagnosisPrompt.system(subject: "tikv", taxonomy: context.taxonomy, channel: .jsonReply)
        let openaiUser = DiagnosisPrompt.user(context, channel: .jsonReply)
        #expect(!openaiSystem.contains("tool \(DiagnosisSchema.toolName)") && !openaiSystem.contains("calling the"))
        #expect(!openaiUser.contains("call \(DiagnosisSchema.toolName)") && !openaiUser.contains("calling the"))
        #expect(openaiSystem.contains("there are no tools"))
        let anthropicSystem = DiagnosisPrompt.system(subject: "tikv", taxonomy: context.taxonomy, channel: .tool)
        #expect(anthropicSystem.contains("calling the record_diagnosis tool"))
        #expect(openaiUser.contains("s1 signal store.state on store:2 = Disconnected\n"))
        #expect(openaiUser.contains("t11 ticket store-down on store:2"))
        #expect(openaiUser.contains("\nl1 2026-"), "each log line starts with its id")
    }
}
