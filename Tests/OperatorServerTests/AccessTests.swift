import AsyncHTTPClient
import Foundation
import OperatorCore
@testable import OperatorServer
import Testing

/// Who may call what: writes need the bearer token, no token means writes are off (403 saying how to
/// turn them on), beyond loopback every route but the probes needs it; the token never shows in answers or logs.
@Suite("HTTP API access")
struct AccessTests {
    static let token = "tok-9f8e7d6c5b4a-never-shown"

    @Test("Without a configured token, POST answers 403 saying how to configure one; reads stay open")
    func writesOffWithoutToken() async throws {
        try await withLiveAPI(startMonitor: false) { api in
            let incident = try await APIOverHTTPTests.plantIncident(api.store)
            let reply = try await api.call(.POST, "/api/v1/incidents/\(incident)/resolve", body: "{}")
            #expect(reply.status == 403)
            let error = try reply.error()
            #expect(error.detail.contains("OPERATOR_API_TOKEN") && error.detail.contains("api_token_file"))
            #expect(try await api.call("/api/v1/incidents").status == 200)
            #expect(try await api.store.incident(id: incident)?.status != .resolved, "nothing changed")
        }
    }

    @Test("With a token: POST without it or with a wrong one is 401; with it, resolve and re-diagnose act on the incident")
    func writesNeedTheToken() async throws {
        try await withLiveAPI(token: Self.token) { api in
            let incident = try await api.storeDownIncident()
            let id = try #require(incident["id"] as? Int)
            let noToken = try await api.call(.POST, "/api/v1/incidents/\(id)/diagnose", body: "{\"diagnoser\": \"offline\"}")
            #expect(noToken.status == 401)
            #expect(noToken.header("www-authenticate") == "Bearer")
            let wrong = try await api.call(.POST, "/api/v1/incidents/\(id)/diagnose", body: "{\"diagnoser\": \"offline\"}", token: Self.token + "x")
            #expect(wrong.status == 401)
            #expect(!wrong.text.contains(Self.token))

            let diagnosed = try await api.call(.POST, "/api/v1/incidents/\(id)/diagnose", body: "{\"diagnoser\": \"offline\"}", token: Self.token)
            #expect(diagnosed.status == 200, "\(diagnosed.text)")
            let attempt = try diagnosed.object()
            let diagnosis = try #require(attempt["diagnosis"] as? [String: Any], "\(diagnosed.text)")
            let root = try #require(diagnosis["root_cause"] as? [String: Any])
            #expect(root["category"] as? String == "node-down")
            #expect(root["entity"] as? String == "store:2")
            #expect(try await api.store.incident(id: Int64(id))?.diagnosis?.rootCause.category == "node-down", "stored, not only answered")
            let detail = try await api.call("/api/v1/incidents/\(id)").object()
            #expect((detail["context_size"] as? [String: Any])?["estimated_tokens"] as? Int ?? 0 > 0)

            let acknowledged = try await api.call(
                .POST, "/api/v1/incidents/\(id)/acknowledge", body: "{\"by\": \"alice\", \"note\": \"on it\"}", token: Self.token)
            #expect(acknowledged.status == 200, "\(acknowledged.text)")
            #expect(try acknowledged.object()["acknowledged_by"] as? String == "alice")
            #expect(try await api.store.incident(id: Int64(id))?.acknowledgedBy == "alice", "stored")
            #expect(try await api.store.timeline(incidentID: Int64(id)).contains { $0.kind == .acknowledged && $0.detail.contains("on it") })
            let nobody = try await api.call(.POST, "/api/v1/incidents/\(id)/acknowledge", body: "{\"by\": \" \"}", token: Self.token)
            #expect(nobody.status == 400)

            let resolved = try await api.call(.POST, "/api/v1/incidents/\(id)/resolve", body: "{\"note\": \"store replaced\"}", token: Self.token)
            #expect(resolved.status == 200, "\(resolved.text)")
            #expect((try resolved.object())["id"] as? Int == id)
            let members = try await api.store.tickets(TicketFilter(incidentID: Int64(id)))
            #expect(!members.isEmpty)
            var notes: [String] = []
            for member in members { notes += try await api.store.timeline(ticketID: member.id).map(\.detail) }
            #expect(notes.contains { $0.contains("store replaced") }, "the note is kept: \(notes)")

            #expect(!api.logs.all.contains { "\($0.message) \($0.metadata)".contains(Self.token) }, "the token never reaches a log")
        }
    }

    @Test("Beyond loopback every route but the probes needs the token")
    func readsNeedTheTokenBeyondLoopback() async throws {
        try await withLiveAPI(token: Self.token, tokenRequiredForReads: true, startMonitor: false) { api in
            for path in ["/api/v1/incidents", "/api/v1/clusters", "/metrics", "/api/v1/openapi.json"] {
                let without = try await api.call(path)
                let with = try await api.call(path, token: Self.token)
                #expect(without.status == 401, "\(path)")
                #expect(with.status == 200, "\(path)")
            }
            // A kubelet probe presents no token: the probes answer it (not ready yet: no monitor ran), and
            // say nothing from the database.
            let health = try await api.call("/healthz")
            #expect(health.status == 200, "\(health.text)")
            #expect(try health.object()["status"] as? String == "ok")
            let ready = try await api.call("/readyz")
            #expect(ready.status == 503, "\(ready.text)")
            // A browser opening the console: a Basic challenge it can answer with its own prompt (any user
            // name, the token as password) — for reads only; a write still needs the bearer header.
            let challenged = try await api.call("/api/v1/clusters")
            #expect(challenged.status == 401)
            #expect(challenged.headers.contains { $0.0.lowercased() == "www-authenticate" && $0.1.hasPrefix("Basic realm=") })
            let basic = { (password: String) in "Basic " + Data("alice:\(password)".utf8).base64EncodedString() }
            let page = try await api.call("/api/v1/incidents", authorization: basic(Self.token))
            #expect(page.status == 200)
            #expect(try await api.call("/api/v1/incidents", authorization: basic(Self.token + "x")).status == 401)
            let write = try await api.call(.POST, "/api/v1/incidents/1/resolve", body: "{}", authorization: basic(Self.token))
            #expect(write.status == 401, "Basic credentials never authorize a write")
        }
    }

    @Test("Token comparison: equal only for the same bytes, whatever the lengths")
    func tokenComparison() throws {
        let token = try #require(APIToken("abcdef"))
        #expect(token.matches("abcdef"))
        #expect(!token.matches("abcdeg"))
        #expect(!token.matches("abcde"))
        #expect(!token.matches("abcdefg"))
        #expect(!token.matches(""))
        #expect(APIToken("  \n") == nil, "an empty token is no token")
        #expect(!"\(token)".contains("abcdef"), "its description hides it")
        let policy = AccessPolicy.loopback(token: token)
        #expect(policy.refusal(isWrite: false, authorization: nil) == nil)
        #expect(policy.refusal(isWrite: true, authorization: "Bearer abcdef") == nil)
        #expect(policy.refusal(isWrite: true, authorization: "Basic abcdef")?.status == .unauthorized)
        let beyond = AccessPolicy(token: token, tokenRequiredForReads: true)
        let basic = "Basic " + Data("anyone:abcdef".utf8).base64EncodedString()
        #expect(beyond.refusal(isWrite: false, authorization: basic) == nil)
        #expect(beyond.refusal(isWrite: true, authorization: basic)?.status == .unauthorized)
        #expect(beyond.refusal(isWrite: false, authorization: "Basic !!notbase64")?.status == .unauthorized)
        // Only the exact probe paths are open, and only to reads.
        #expect(beyond.refusal(isWrite: false, authorization: nil, path: "/healthz") == nil)
        #expect(beyond.refusal(isWrite: false, authorization: nil, path: "/readyz") == nil)
        for path in ["/healthz/", "/healthzx", "/api/v1/healthz", "/HEALTHZ"] {
            #expect(beyond.refusal(isWrite: false, authorization: nil, path: path)?.status == .unauthorized, "\(path)")
        }
        #expect(beyond.refusal(isWrite: true, authorization: nil, path: "/healthz")?.status == .unauthorized)
        let challenge = beyond.refusal(isWrite: false, authorization: nil)?.headers[values: .wwwAuthenticate] ?? []
        #expect(challenge.contains("Bearer") && challenge.contains { $0.hasPrefix("Basic realm=") })
    }
}
