import AsyncHTTPClient
import Foundation
import NIOCore
import OperatorCore
import OperatorTestSupport
import Testing

extension EndToEnd {
    /// `operator serve` as a user runs it: the binary watching `operator simulate`, reached over HTTP.
    @Suite("operator serve, end to end")
    struct ServeEndToEndTests {
        static func get(_ url: String, token: String? = nil) async throws -> (status: Int, body: Any?) {
            var request = HTTPClientRequest(url: url)
            if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 16 << 20)
            return (Int(response.status.code), try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)))
        }

        static func text(_ url: String) async throws -> (status: Int, body: String) {
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 16 << 20)
            return (Int(response.status.code), String(decoding: body.readableBytesView, as: UTF8.self))
        }

        /// The address `serve` printed (`serving http://127.0.0.1:PORT`).
        static func servingURL(_ serve: OperatorBinary.Running) async throws -> String {
            var url: String?
            try await DemoAndIncidentTests.eventually("serve prints its address", timeout: .seconds(240)) {
                url = serve.stdoutSoFar.split(separator: "\n").first { $0.hasPrefix("serving http://") }.map { String($0.dropFirst("serving ".count)) }
                return url != nil || !serve.process.isRunning
            }
            return try #require(url, "serve exited: \(serve.stderrSoFar.suffix(600))")
        }

        @Test("serve watching the simulator: ready, the injected store-down is an incident in the API; SIGTERM stops it within 2 s, database intact")
        func serveSeesAFaultAndStopsOnSIGTERM() async throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let simulator = try OperatorBinary.start(["simulate", "run", "--port", "0", "--time-scale", "20", "--json"])
            defer { simulator.stop() }
            let endpoints = try await DemoAndIncidentTests.waitForJSON(simulator)
            let pd = (endpoints["pd_urls"] as? [String] ?? []).joined(separator: ",")
            let control = try #require(URL(string: endpoints["control_url"] as? String ?? "")?.port)
            let db = dir.file("operator.db")
            let serve = try OperatorBinary.start(
                ["serve", "--subject", "tikv", "--endpoints", pd, "--interval", "300ms", "--listen", "127.0.0.1:0", "--db", db],
                environment: ["OPERATOR_API_TOKEN": "e2e-token-123"])
            defer { serve.stop() }
            let base = try await Self.servingURL(serve)

            try await DemoAndIncidentTests.eventually("/readyz 200", timeout: .seconds(240)) { try await Self.get(base + "/readyz").status == 200 }
            let clusters = try #require(try await Self.get(base + "/api/v1/clusters").body as? [[String: Any]])
            #expect(clusters.map { $0["name"] as? String } == ["default"])

            #expect(try await OperatorBinary.run(["simulate", "fault", "store-down", "store:2", "--port", "\(control)"]).status == 0)
            try await DemoAndIncidentTests.eventually("a store-down incident in the API", timeout: .seconds(240)) {
                let page = try await Self.get(base + "/api/v1/incidents?status=open&status=diagnosed").body as? [String: Any]
                return (page?["items"] as? [[String: Any]] ?? []).contains { $0["root_entity"] as? String == "store:2" }
            }
            #expect(!serve.stderrSoFar.contains("e2e-token-123"), "the token is never logged")

            serve.signal(SIGTERM)
            let result = try await serve.wait(timeout: .seconds(2))
            #expect(result.status == 0, "exit \(result.status): \(result.stderr.suffix(500))")
            let store = try SQLiteTicketStore(path: db)
            #expect(try await store.tickets(TicketFilter()).contains { $0.invariant == "store-down" && $0.entity.description == "store:2" })
            #expect(try await !store.heartbeats(subject: nil, limit: 1).isEmpty)
        }

        @Test("serve with two clusters: both listed; a fault in one is that cluster's incident; one that cannot be observed does not slow the other")
        func twoClusters() async throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let simulator = try OperatorBinary.start(["simulate", "run", "--port", "0", "--time-scale", "20", "--json"])
            defer { simulator.stop() }
            let endpoints = try await DemoAndIncidentTests.waitForJSON(simulator)
            let pd = endpoints["pd_urls"] as? [String] ?? []
            let control = try #require(URL(string: endpoints["control_url"] as? String ?? "")?.port)
            // Accepts and reads requests, never answers: every tick of `stuck` waits out its request budget.
            let silent = try await MisbehavingHTTPServer.start(.neverAnswer)
            defer { silent.stop() }
            let config = dir.file("operator.yaml")
            try """
                db: \(dir.file("operator.db"))
                diagnosis: { diagnoser: offline }
                clusters:
                  - name: good
                    subject: tikv
                    endpoints: [\(pd.joined(separator: ", "))]
                    interval: 300ms
                  - name: stuck
                    subject: tikv
                    endpoints: [\(silent.baseURL)]
                    interval: 300ms
                    tick_timeout: 60s
                """.write(toFile: config, atomically: true, encoding: .utf8)
            let started = ContinuousClock.now
            let serve = try OperatorBinary.start(
                ["serve", "--config", config, "--listen", "127.0.0.1:0", "--request-timeout", "20s"])
            defer { serve.stop() }
            let base = try await Self.servingURL(serve)

            func clusters() async throws -> [String: [String: Any]] {
                let list = try await Self.get(base + "/api/v1/clusters").body as? [[String: Any]] ?? []
                return Dictionary(list.map { ($0["name"] as? String ?? "", $0) }, uniquingKeysWith: { a, _ in a })
            }
            let listed = try await clusters()
            #expect(Set(listed.keys) == ["good", "stuck"])
            #expect(listed["stuck"]?["subject"] as? String == "tikv")
            // Tick counts, not timings: `good` keeps ticking while `stuck` has yet to finish its first
            // (each of its requests waits up to 20 s); were they serialized, `good` could not get ahead.
            var snapshot: [String: [String: Any]] = [:]
            try await DemoAndIncidentTests.eventually("ten ticks of good", timeout: .seconds(240)) {
                snapshot = try await clusters()
                return snapshot["good"]?["ticks"] as? Int ?? 0 >= 10
            }
            // Under heavy load ten ticks of `good` can take long enough for `stuck` to finish a tick or two (each
            // of its requests gives up after 20 s); serialized, `stuck` would need nine or more.
            let stuckTicksAllowed = 1 + Int((ContinuousClock.now - started) / .seconds(20))
            #expect(snapshot["stuck"]?["ticks"] as? Int ?? 99 <= stuckTicksAllowed, "stuck: \(snapshot["stuck"] ?? [:])")
            #expect(snapshot["good"]?["state"] as? String == "healthy", "good: \(snapshot["good"] ?? [:])")

            #expect(try await OperatorBinary.run(["simulate", "fault", "store-down", "store:2", "--port", "\(control)"]).status == 0)
            try await DemoAndIncidentTests.eventually("good's store-down incident", timeout: .seconds(240)) {
                let page = try await Self.get(base + "/api/v1/incidents?cluster=good").body as? [String: Any]
                return (page?["items"] as? [[String: Any]] ?? []).contains { $0["root_entity"] as? String == "store:2" && $0["cluster"] as? String == "good" }
            }
            // The console is mounted on the same server: its home page lists both clusters, the incident page its root.
            let goodPage = try await Self.get(base + "/api/v1/incidents?cluster=good").body as? [String: Any]
            let incidentID = try #require((goodPage?["items"] as? [[String: Any]] ?? []).first { $0["root_entity"] as? String == "store:2" }?["id"] as? Int)
            let home = try await Self.text(base + "/")
            #expect(home.status == 200 && home.body.contains("good") && home.body.contains("stuck"))
            let page = try await Self.text(base + "/incidents/\(incidentID)")
            #expect(page.status == 200 && page.body.contains("store:2"), "\(page.body.prefix(300))")
            // What a person sees: the console in a real (headless) browser, after its scripts ran.
            if let chromium = HeadlessChromium.find() {
                try await DemoAndIncidentTests.eventually("the incident diagnosed", timeout: .seconds(240)) {
                    let detail = try await Self.get(base + "/api/v1/incidents/\(incidentID)").body as? [String: Any]
                    return detail?["diagnosis"] is [String: Any]
                }
                let homeDOM = try await chromium.dumpDOM(base + "/")
                #expect(homeDOM.contains("good") && homeDOM.contains("stuck") && homeDOM.contains("store:2"), "\(homeDOM.prefix(2000))")
                let incidentDOM = try await chromium.dumpDOM(base + "/incidents/\(incidentID)")
                #expect(incidentDOM.contains("node-down"), "\(incidentDOM.prefix(2000))")
                #expect(incidentDOM.contains("store:2"))
                #expect(incidentDOM.contains("id=\"evidence\""), "the evidence table")
                let shots = PackagePaths.root.appendingPathComponent(".build/console-screenshots")
                try FileManager.default.createDirectory(at: shots, withIntermediateDirectories: true)
                try await chromium.screenshot(base + "/incidents/\(incidentID)", to: shots.appendingPathComponent("serve-incident.png").path)
            } else {
                print("skipped the browser check: Debian's chromium is not installed (.ci/run installs it)")
            }
            let stuckIncidents = try await Self.get(base + "/api/v1/incidents?cluster=stuck").body as? [String: Any]
            #expect(!(stuckIncidents?["items"] as? [[String: Any]] ?? []).contains { $0["root_entity"] as? String == "store:2" })
            serve.signal(SIGTERM)
            #expect(try await serve.wait(timeout: .seconds(2)).status == 0, "a monitor stuck in a request does not hold up shutdown")
        }

        @Test("serve refuses a non-loopback --listen without a token (exit 2, saying how to set one)")
        func nonLoopbackNeedsAToken() async throws {
            let r = try await OperatorBinary.run(
                ["serve", "--subject", "tikv", "--endpoints", "http://127.0.0.1:\(try closedLocalPort())", "--listen", "0.0.0.0:0",
                 "--db", "/nonexistent-dir/never-created.db"])
            #expect(r.status == 2)
            #expect(r.stderr.contains("OPERATOR_API_TOKEN"), "\(r.stderr)")
        }
    }
}
