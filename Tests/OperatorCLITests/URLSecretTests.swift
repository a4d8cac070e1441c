import Foundation
import Hummingbird
import OperatorCore
import OperatorTestSupport
import Synchronization
import Testing

/// Test doubles that answer only requests carrying the right Basic credentials (401 otherwise), as a
/// proxy in front of etcd or a model server would. Bodies are etcd 3.4.23's gateway shapes
/// (etcd-prometheus-observed.md §A) and the OpenAI chat-completions shape.
enum GuardedDoubles {
    static func basic(_ user: String, _ password: String) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }

    /// One etcd member whose advertised client URL is the double itself, so probes of the advertised
    /// URL must carry the credentials too.
    static func etcd(authorization: String, log: RequestLog) async throws -> LoopbackServer {
        let base = Mutex("")
        let server = try await LoopbackServer.start { router in
            @Sendable func answer(_ request: Request, _ body: @escaping @Sendable () -> String) -> CannedResponse {
                log.record(request, body: "")
                guard request.headers[.authorization] == authorization else {
                    return CannedResponse(status: .unauthorized, contentType: "text/plain", body: "Unauthorized\n")
                }
                return CannedResponse(body: body())
            }
            router.post("/v3/cluster/member/list") { request, _ -> CannedResponse in
                answer(request) {
                    #"{"header":{"cluster_id":"968716052297111514","member_id":"6969278951715654196","raft_term":"2"},"members":[{"ID":"6969278951715654196","name":"e1","peerURLs":["http://127.0.0.1:2380"],"clientURLs":[""#
                        + base.withLock { $0 } + #""]}]}"#
                }
            }
            router.post("/v3/maintenance/status") { request, _ -> CannedResponse in
                answer(request) {
                    #"{"header":{"cluster_id":"968716052297111514","member_id":"6969278951715654196","revision":"1","raft_term":"2"},"version":"3.4.23","dbSize":"20480","leader":"6969278951715654196","raftIndex":"17","raftTerm":"2","raftAppliedIndex":"17","dbSizeInUse":"16384"}"#
                }
            }
            router.get("/health") { request, _ -> CannedResponse in answer(request) { #"{"health":"true"}"# } }
            router.get("/version") { request, _ -> CannedResponse in answer(request) { #"{"etcdserver":"3.4.23","etcdcluster":"3.4.0"}"# } }
            router.get("/metrics") { request, _ -> CannedResponse in
                var r = answer(request) { "# TYPE etcd_server_has_leader gauge\netcd_server_has_leader 1\n" }
                r.contentType = "text/plain; version=0.0.4"
                return r
            }
        }
        base.withLock { $0 = server.baseURL }
        return server
    }

    /// An OpenAI-compatible chat-completions endpoint that records every prompt it is sent.
    static func model(authorization: String, log: RequestLog) async throws -> LoopbackServer {
        let answer: JSONValue = [
            "summary": "The only endpoint refuses connections.",
            "observation": "every request to the endpoint was refused",
            "root_cause": ["category": "node-down", "entity": "cluster", "explanation": "the member process is not running"],
            "confidence": 0.6,
            "evidence": [["id": "t1", "signal": "observation", "query_or_source": "member list", "value": "connection refused", "expected": "an answer"]],
            "alternatives": [["hypothesis": "network partition", "rejected_because": "a refusal is an answer from the host"]],
            "recommended_actions": [["action": "start the member", "rationale": "it is down", "risk": "low"]],
            "claims": [["text": "the endpoint refused every request", "evidence": ["t1"]]],
        ]
        let completion: JSONValue = [
            "id": "chatcmpl-123", "object": "chat.completion", "created": 1_795_417_505, "model": "test-model",
            "choices": [["index": 0, "message": ["role": "assistant", "content": .string(answer.jsonText)], "finish_reason": "stop"]],
            "usage": ["prompt_tokens": 1800, "completion_tokens": 420, "total_tokens": 2220],
        ]
        return try await LoopbackServer.start { router in
            router.post("/v1/chat/completions") { request, _ -> CannedResponse in
                let body = try await request.body.collect(upTo: 8 << 20)
                log.record(request, body: String(buffer: body))
                guard request.headers[.authorization] == authorization else {
                    return CannedResponse(status: .unauthorized, body: #"{"error":{"message":"unauthorized"}}"#)
                }
                return CannedResponse(body: completion.jsonText)
            }
        }
    }
}

extension EndToEnd {
    @Suite("A password in a URL reaches the server and nothing else")
    struct URLSecretTests {
        /// Planted secrets: the password and two distinctive user names.
        static let secrets = ["hunter2", "etcd-user-q7", "model-user-k3"]

        static func leaks(in text: String) -> [String] { secrets.filter { text.contains($0) } }

        static func leaks(in data: Data) -> [String] {
            secrets.filter { data.range(of: Data($0.utf8)) != nil }
        }

        @Test("status (endpoint from the environment) authenticates to the member and its advertised URL; stdout carries no secret")
        func statusAuthenticatesWithoutLeaking() async throws {
            let log = RequestLog()
            let etcd = try await GuardedDoubles.etcd(authorization: GuardedDoubles.basic("etcd-user-q7", "hunter2"), log: log)
            defer { etcd.stop() }
            let url = "http://etcd-user-q7:hunter2@127.0.0.1:\(etcd.port)"
            let r = try await OperatorBinary.run(["status", "--subject", "etcd", "--json", "--log-level", "debug"],
                                                 environment: ["ETCDCTL_ENDPOINTS": url])
            #expect(r.status == 0, "\(r.stderr.suffix(500))")
            #expect(Self.leaks(in: r.stdout).isEmpty && Self.leaks(in: r.stderr).isEmpty, "\(r.stdout.prefix(300)) \(r.stderr.suffix(300))")
            #expect(r.stdout.contains("127.0.0.1:\(etcd.port)"))
            let paths = Set(log.paths)
            for path in ["/v3/cluster/member/list", "/v3/maintenance/status", "/health", "/metrics"] {
                #expect(paths.contains(path), "never asked \(path): \(paths)")
            }
            let unauthorized = log.all.filter { $0.headers["authorization"] != GuardedDoubles.basic("etcd-user-q7", "hunter2") }
            #expect(unauthorized.isEmpty, "requests without the credentials: \(unauthorized.map(\.path))")
        }

        @Test("check against a dead endpoint names it without its userinfo")
        func checkErrorsDoNotLeak() async throws {
            let dead = try closedLocalPort()
            let r = try await OperatorBinary.run(
                ["check", "--subject", "etcd", "--endpoints", "http://etcd-user-q7:hunter2@127.0.0.1:\(dead)", "--json"])
            #expect(r.status == 2)
            #expect(r.stderr.contains("127.0.0.1:\(dead)"), "\(r.stderr)")
            #expect(Self.leaks(in: r.stderr + r.stdout).isEmpty, "\(r.stderr)")
        }

        @Test("monitor (endpoints from operator.yaml, model URL from the environment): log, database and prompt carry no secret; the model gets its credentials")
        func monitorAndModelDoNotLeak() async throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let modelLog = RequestLog()
            let modelAuthorization = GuardedDoubles.basic("model-user-k3", "hunter2")
            let model = try await GuardedDoubles.model(authorization: modelAuthorization, log: modelLog)
            defer { model.stop() }
            let dead = try closedLocalPort()
            try """
                subject: etcd
                endpoints: [http://etcd-user-q7:hunter2@127.0.0.1:\(dead)]
                diagnosis: { diagnoser: openai }
                """.write(toFile: dir.file("operator.yaml"), atomically: true, encoding: .utf8)
            let db = dir.file("operator.db")
            let monitor = try OperatorBinary.start(
                ["monitor", "--interval", "200ms", "--db", db, "--log-level", "debug"],
                environment: ["OPENAI_MODEL": "test-model", "OPENAI_BASE_URL": "http://model-user-k3:hunter2@127.0.0.1:\(model.port)/v1"],
                directory: dir.path)
            defer { monitor.stop() }
            // Hang guard only: the first tick fails at once, its incident is diagnosed right after.
            let deadline = ContinuousClock.now + .seconds(90)
            while !modelLog.all.contains(where: { $0.headers["authorization"] == modelAuthorization }), monitor.process.isRunning,
                ContinuousClock.now < deadline
            {
                try await Task.sleep(for: .milliseconds(100))
            }
            // Let the diagnosis be stored, then stop.
            try await Task.sleep(for: .seconds(1))
            monitor.signal(SIGTERM)
            let r = try await monitor.wait(timeout: .seconds(20))
            #expect(!modelLog.all.isEmpty, "the model was never asked; monitor stderr: \(r.stderr.suffix(800))")
            #expect(modelLog.all.allSatisfy { $0.headers["authorization"] == modelAuthorization }, "the model double saw requests without its credentials")
            for entry in modelLog.all {
                #expect(Self.leaks(in: entry.body).isEmpty, "the prompt carries a secret")
            }
            #expect(r.stderr.contains("127.0.0.1:\(dead)"), "the startup log names the endpoint: \(r.stderr.prefix(800))")
            #expect(Self.leaks(in: r.stderr).isEmpty, "the log carries a secret: \(r.stderr.prefix(800))")

            // The whole database, byte for byte: tickets, events, incidents, heartbeats, diagnoses and contexts.
            var bytes = Data()
            for suffix in ["", "-wal"] { bytes.append(FileManager.default.contents(atPath: db + suffix) ?? Data()) }
            #expect(bytes.range(of: Data("127.0.0.1:\(dead)".utf8)) != nil, "the endpoint never reached the database, so the check proves nothing")
            #expect(Self.leaks(in: bytes).isEmpty, "the database carries \(Self.leaks(in: bytes))")
            let store = try SQLiteTicketStore(path: db)
            let incidents = try await store.incidents(IncidentFilter())
            #expect(incidents.contains { $0.diagnosis != nil }, "no diagnosis was stored (the context check is weaker): \(incidents.map(\.diagnosisError))")
        }
    }
}
