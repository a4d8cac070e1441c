import AsyncHTTPClient
import Foundation
import OperatorCore
import OperatorTestSupport
import Testing

extension EndToEnd {
    /// The newcomer's path: `operator demo --serve` runs the demo, then keeps its cluster watched and served
    /// until Ctrl-C.
    @Suite("operator demo --serve, end to end")
    struct DemoServeEndToEndTests {
        @Test("demo --serve: the printed console URL serves the demo's incident (API and console); SIGINT exits 0, database intact")
        func demoServesItsIncidentUntilCtrlC() async throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let db = dir.file("demo.db")
            // Port 0: the demo's default 127.0.0.1:9400 may be taken on a shared machine.
            let demo = try OperatorBinary.start(["demo", "--serve", "--listen", "127.0.0.1:0", "--db", db, "--interval", "500ms"])
            defer { demo.stop() }

            // The demo's cycle (healthy, store-down on store:2, detected, diagnosed) runs first, then serving starts.
            var base: String?
            try await DemoAndIncidentTests.eventually("demo --serve prints its console URL", timeout: .seconds(240)) {
                base = demo.stdoutSoFar.split(separator: "\n").first { $0.hasPrefix("serving http://") }
                    .map { String($0.dropFirst("serving ".count)) }
                return base != nil || !demo.process.isRunning
            }
            let url = try #require(base, "demo exited (\(demo.process.isRunning ? "running" : "stopped")): \(demo.stderrSoFar.suffix(800))")
            // The demo's timeline names its incident ("ticket created  ticket #1 store-down on store:2, incident #1").
            let created = try #require(
                demo.stdoutSoFar.split(separator: "\n").first { $0.contains("ticket created") && $0.contains(", incident #") },
                "the demo printed its timeline before serving: \(demo.stdoutSoFar.prefix(1500))")
            #expect(created.contains("store-down on store:2"), "\(created)")
            let idText = try #require(created.range(of: ", incident #").map { created[$0.upperBound...].prefix { $0.isNumber } })
            let id = try #require(Int(idText), "\(created)")

            let clusters = try #require(try await ServeEndToEndTests.get(url + "/api/v1/clusters").body as? [[String: Any]])
            #expect(clusters.map { $0["name"] as? String } == ["default"])
            #expect(clusters.first?["subject"] as? String == "tikv")

            let page = try #require(try await ServeEndToEndTests.get(url + "/api/v1/incidents").body as? [String: Any])
            let items = page["items"] as? [[String: Any]] ?? []
            let incident = try #require(items.first { $0["id"] as? Int == id }, "the demo's incident #\(id) in the API: \(items)")
            #expect(incident["root_entity"] as? String == "store:2")
            #expect(incident["cluster"] as? String == "default")

            let home = try await ServeEndToEndTests.text(url + "/")
            #expect(home.status == 200)
            #expect(home.body.contains("default") && home.body.contains("store:2"), "\(home.body.prefix(1500))")
            let incidentPage = try await ServeEndToEndTests.text(url + "/incidents/\(id)")
            #expect(incidentPage.status == 200 && incidentPage.body.contains("store:2"), "\(incidentPage.body.prefix(800))")

            demo.signal(SIGINT)
            let result = try await demo.wait(timeout: .seconds(30))
            #expect(result.status == 0, "exit \(result.status): \(result.stderr.suffix(800))")

            let store = try SQLiteTicketStore(path: db)
            #expect(try await store.integrityCheck() == ["ok"])
            let kept = try #require(try await store.incident(id: Int64(id)), "the served incident is in the kept database")
            #expect(kept.rootEntity.description == "store:2")
            #expect(try await store.tickets(TicketFilter(incidentID: Int64(id))).contains { $0.invariant == "store-down" })
        }
    }
}
