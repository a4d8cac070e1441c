import DiagnosisProviders
import Foundation
import OperatorCore
import OperatorTestSupport
import Testing

/// The `openai` diagnoser against a real llama.cpp server with Gemma 3 270M, when the machine has one.
/// Plumbing, not wisdom: a 270M base model's diagnosis is no judgement, but the request must be accepted,
/// the grammar must give a schema-valid answer (or a clear cut-off), and failures must be clear and quick.
@Suite(
    "a real local model server (llama.cpp)", .serialized,
    .enabled(if: LocalModelServer.available, LocalModelServer.skipReason))
struct LocalModelServerTests {
    func diagnoser(_ server: LocalModelServer, maxTokens: Int = 1200, timeout: Duration = .seconds(240), logs: CapturedLogs = CapturedLogs())
        -> OpenAICompatibleDiagnoser
    {
        OpenAICompatibleDiagnoser(
            configuration: .init(
                baseURL: server.baseURL, model: "gemma3-270m", maxTokens: maxTokens,
                retry: RetryPolicy(maxAttempts: 1, timeout: timeout)),
            logger: logs.logger(label: "test.openai"))
    }

    /// The response formats the server refused before one was taken (the fallback ladder's steps).
    func refusedFormats(_ logs: CapturedLogs) -> [String] {
        logs.all.filter { $0.message.contains("refused the response format") }.compactMap { $0.metadata["refused"] }
    }

    /// Appends a line to `$OPERATOR_LLAMA_REPORT`, when set, for the benchmark notes.
    func report(_ line: String) {
        guard let path = ProcessInfo.processInfo.environment["OPERATOR_LLAMA_REPORT"], !path.isEmpty else { return }
        if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
        if let h = FileHandle(forWritingAtPath: path) {
            h.seekToEndOfFile()
            h.write(Data((line + "\n").utf8))
            try? h.close()
        }
    }

    @Test func aDiagnosisIsParsedUnderTheGrammarOrEndsWithAClearReason() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let server = try await LocalModelServer.start(contextSize: 4096, logDirectory: dir)
        defer { server.stop() }
        let context = sampleContext()
        let start = ContinuousClock.now
        let logs = CapturedLogs()
        defer {
            let refused = refusedFormats(logs)
            report("\(server.name): response formats refused: \(refused.isEmpty ? "none (json_schema strict taken)" : refused.joined(separator: ", "))")
            // llama.cpp's own server turns a strict json_schema into a grammar: no step down the ladder.
            if case .native = server.program { #expect(refused.isEmpty, "llama-server refused \(refused)") }
        }
        do {
            // A hang guard, not a time bound: on two cores shared with other builds (load 15-20) a diagnosis took
            // 168 s, and a request ran past 240 s.
            let d = try await diagnoser(server, timeout: .seconds(900), logs: logs).diagnose(context)
            let seconds = (ContinuousClock.now - start).seconds
            report("\(server.name): accepted in \(NumberText.decimal(seconds)) s: \(d.inputTokens ?? -1) input / \(d.outputTokens ?? -1) output tokens, "
                + "\(d.rootCause.category) on \(d.rootCause.entity), \(d.claims.count) claims")
            #expect(DiagnosisSchema.entities(of: context).contains(d.rootCause.entity))
            #expect(context.taxonomy.contains { $0.id == d.rootCause.category })
            #expect((d.inputTokens ?? 0) > 0 && (d.outputTokens ?? 0) > 0, "the server's usage is recorded")
            #expect((d.outputTokens ?? .max) <= 1200)
        } catch let cut as ModelReplyTruncated {
            report("\(server.name): cut after \(NumberText.decimal((ContinuousClock.now - start).seconds)) s: \(cut)")
            // The plumbing held: the cut is its own clear error, at the budget asked for, with the tokens spent.
            #expect(cut.outputTokens == 1200 && cut.spentOutputTokens == 1200, "\(cut)")
            #expect(cut.description.contains("raise diagnosis.max_tokens"))
            // Issue 13's acceptance: under the bounded grammar (the largest answer about 2,600 characters) the
            // answer fits 1,200 tokens. With the earlier bounds (about 13,000) Gemma 3 270M was cut every time;
            // now it writes about 800 (Docs/benchmarks.md).
            Issue.record("under the bounded grammar the answer should fit 1200 tokens: \(cut)")
        } catch let invalid as DiagnosisSchema.InvalidOutput {
            // The grammar makes the JSON valid; a base model may still write an empty summary twice.
            report("\(server.name): rejected after \(NumberText.decimal((ContinuousClock.now - start).seconds)) s: \(invalid)")
            #expect(!invalid.description.contains("holds no JSON object"), "the grammar was not applied: \(invalid)")
        }
    }

    @Test func aContextLargerThanTheServersWindowFailsAtOnceWithTheServersWords() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let server = try await LocalModelServer.start(contextSize: 512, logDirectory: dir)
        defer { server.stop() }
        let start = ContinuousClock.now
        let error = await #expect(throws: (any Error).self) { _ = try await diagnoser(server).diagnose(sampleContext()) }
        report("\(server.name): context over n_ctx 512: \(NumberText.decimal((ContinuousClock.now - start).seconds)) s: \(error.map { "\($0)" } ?? "-")")
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains("HTTP 400") || text.contains("max_tokens"), "\(text)")
        #expect(text.contains("context") || text.contains("tokens"), "\(text)")
    }

    @Test func aServerStoppedMidCallIsAClearErrorWithinTheRequestBudget() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let server = try await LocalModelServer.start(contextSize: 4096, logDirectory: dir)
        defer { server.stop() }
        let d = diagnoser(server, timeout: .seconds(20))
        let call = Task { () -> String? in
            do {
                _ = try await d.diagnose(sampleContext())
                return nil
            } catch { return "\(error)" }
        }
        try await Task.sleep(for: .seconds(3))
        let start = ContinuousClock.now
        server.signal(SIGTERM)
        let outcome = try await withHangGuard(limit: .seconds(90)) { await call.value }
        report("\(server.name): SIGTERM mid-call: error \(NumberText.decimal((ContinuousClock.now - start).seconds)) s after the signal: \(outcome ?? "none")")
        // Either the server finished the answer before exiting, or the call failed naming the endpoint.
        if let outcome { #expect(outcome.contains(server.baseURL), "\(outcome)") }
    }
}
