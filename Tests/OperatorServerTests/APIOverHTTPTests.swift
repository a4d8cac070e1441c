import AsyncHTTPClient
import Foundation
import OperatorCore
import OperatorServer
import Testing

/// The API over real HTTP against a real monitor watching the simulator with `store-down` on `store:2`.
@Suite("HTTP API against a monitored simulator")
struct APIOverHTTPTests {
    @Test("The store-down incident appears in /incidents and its detail, /clusters shows the tick, /readyz is ready")
    func incidentAndClusters() async throws {
        try await withLiveAPI { api in
            let incident = try await api.storeDownIncident()
            let id = try #require(incident["id"] as? Int)
            #expect(incident["status"] as? String != "resolved")

            let detail = try await api.call("/api/v1/incidents/\(id)")
            #expect(detail.status == 200)
            #expect(detail.header("content-type")?.hasPrefix("application/json") == true)
            let body = try detail.object()
            #expect((body["incident"] as? [String: Any])?["id"] as? Int == id)
            let tickets = try #require(body["tickets"] as? [[String: Any]])
            #expect(tickets.contains { $0["invariant"] as? String == "store-down" && $0["entity"] as? String == "store:2" })
            #expect(!(try #require(body["timeline"] as? [[String: Any]])).isEmpty)
            #expect(body.keys.contains("diagnosis") && body.keys.contains("context_size"))

            let clusters = try await api.call("/api/v1/clusters")
            #expect(clusters.status == 200)
            let cluster = try #require(try clusters.array().first)
            #expect(cluster["name"] as? String == "default" && cluster["subject"] as? String == "tikv")
            #expect(cluster["state"] as? String == "degraded", "a down store is a violation: \(cluster)")
            #expect((cluster["ticks"] as? Int ?? 0) >= 1)
            #expect((cluster["evaluated"] as? [String] ?? []).contains("store-down"))
            #expect((cluster["open_incidents"] as? Int ?? 0) >= 1)
            #expect(cluster["last_tick_at"] is String)

            let ready = try await api.call("/readyz")
            #expect(ready.status == 200, "\(ready.text)")
            let health = try await api.call("/healthz")
            #expect(health.status == 200)
            #expect(try health.object()["status"] as? String == "ok")
            let metrics = try await api.call("/metrics")
            #expect(metrics.status == 200 && metrics.text.contains("operator_ticks_total"))

            let ticketID = try #require(tickets.first?["id"] as? Int)
            let ticket = try await api.call("/api/v1/tickets/\(ticketID)")
            #expect(ticket.status == 200)
            #expect(((try ticket.object())["ticket"] as? [String: Any])?["id"] as? Int == ticketID)
            let listed = try await api.call("/api/v1/tickets?incident=\(id)&status=created&status=diagnosed")
            #expect(listed.status == 200)
            let items = try #require((try listed.object())["items"] as? [[String: Any]])
            #expect(!items.isEmpty && items.allSatisfy { $0["incident_id"] as? Int == id })
        }
    }

    @Test("/readyz answers 503 naming a cluster whose monitor has not completed a tick")
    func notReadyBeforeTheFirstTick() async throws {
        try await withLiveAPI(startMonitor: false) { api in
            let reply = try await api.call("/readyz")
            #expect(reply.status == 503)
            let error = try reply.error()
            #expect(error.detail.contains("default"), "\(error)")
            let clusters = try await api.call("/api/v1/clusters").array()
            #expect(clusters.first?["state"] as? String == "pending")
            #expect(clusters.first?["ticks"] as? Int == 0)
        }
    }

    @Test("Bad input answers JSON errors naming the parameter: 400, 404, 405, 413, 415")
    func errors() async throws {
        try await withLiveAPI(token: "s3cret-token-for-tests", startMonitor: false) { api in
            let missing = try await api.call("/api/v1/incidents/999999")
            #expect(missing.status == 404)
            #expect(try missing.error().detail.contains("999999"))
            #expect(try await api.call("/api/v1/tickets/424242").status == 404)

            for (path, parameter) in [
                ("/api/v1/incidents/abc", "id"), ("/api/v1/tickets/-3", "id"),
                ("/api/v1/incidents?limit=0", "limit"), ("/api/v1/incidents?limit=501", "limit"), ("/api/v1/tickets?limit=ten", "limit"),
                ("/api/v1/incidents?status=sleeping", "status"), ("/api/v1/tickets?status=open", "status"),
                ("/api/v1/incidents?cursor=not-a-cursor", "cursor"), ("/api/v1/incidents?cluster=Bad_Name", "cluster"),
                ("/api/v1/tickets?incident=x", "incident"),
            ] {
                let reply = try await api.call(path)
                #expect(reply.status == 400, "\(path): \(reply.status) \(reply.text)")
                #expect(try reply.error().error.contains(parameter), "\(path): \(reply.text)")
            }

            let wrongMethod = try await api.call(.DELETE, "/api/v1/incidents")
            #expect(wrongMethod.status == 405)
            #expect(wrongMethod.header("allow") == "GET")
            _ = try wrongMethod.error()
            let nowhere = try await api.call("/api/v2/nothing")
            #expect(nowhere.status == 404)
            _ = try nowhere.error()

            let incident = try await Self.plantIncident(api.store)
            let huge = "{\"note\": \"" + String(repeating: "x", count: (1 << 20) + 10) + "\"}"
            let tooLarge = try await api.call(.POST, "/api/v1/incidents/\(incident)/resolve", body: huge, token: "s3cret-token-for-tests")
            #expect(tooLarge.status == 413)
            _ = try tooLarge.error()
            let notJSON = try await api.call(
                .POST, "/api/v1/incidents/\(incident)/resolve", body: "note=hi", contentType: "application/x-www-form-urlencoded",
                token: "s3cret-token-for-tests")
            #expect(notJSON.status == 415)
            _ = try notJSON.error()
            let unknownField = try await api.call(.POST, "/api/v1/incidents/\(incident)/resolve", body: "{\"notes\": \"x\"}", token: "s3cret-token-for-tests")
            #expect(unknownField.status == 400)
            #expect(try unknownField.error().error.contains("notes"))
            let noDiagnoser = try await api.call(.POST, "/api/v1/incidents/\(incident)/diagnose", body: "{}", token: "s3cret-token-for-tests")
            #expect(noDiagnoser.status == 400)
            #expect(try noDiagnoser.error().error.contains("diagnoser"))
            let unknownDiagnoser = try await api.call(
                .POST, "/api/v1/incidents/\(incident)/diagnose", body: "{\"diagnoser\": \"oracle\"}", token: "s3cret-token-for-tests")
            #expect(unknownDiagnoser.status == 409)
            #expect(try unknownDiagnoser.error().detail.contains("offline"))
            let badName = try await api.call(
                .POST, "/api/v1/incidents/\(incident)/diagnose", body: "{\"diagnoser\": \"\"}", token: "s3cret-token-for-tests")
            #expect(badName.status == 400)
            #expect(try badName.error().error.contains("diagnoser"))
            let unknownIncident = try await api.call(.POST, "/api/v1/incidents/777777/resolve", body: "{}", token: "s3cret-token-for-tests")
            #expect(unknownIncident.status == 404)
        }
    }

    @Test("Pages are newest first, disjoint, and end with a null next_cursor")
    func cursorPagination() async throws {
        try await withLiveAPI(startMonitor: false) { api in
            var planted: [Int64] = []
            for _ in 0..<5 { planted.append(try await Self.plantIncident(api.store)) }
            var seen: [Int] = []
            var cursor: String?
            var pages = 0
            repeat {
                let path = "/api/v1/incidents?limit=2" + (cursor.map { "&cursor=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0)" } ?? "")
                let page = try await api.call(path).object()
                let ids = (page["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
                #expect(ids.count <= 2)
                seen += ids
                cursor = page["next_cursor"] as? String
                pages += 1
            } while cursor != nil && pages < 10
            #expect(pages == 3)
            #expect(seen == planted.reversed().map(Int.init), "newest first, each once: \(seen)")
        }
    }

    /// One incident of its own: a violation on an entity nothing else touches.
    static func plantIncident(_ store: SQLiteTicketStore) async throws -> Int64 {
        let entity = try Entity(parsing: "store:\(Int.random(in: 100...999_999))")
        let outcome = try await store.record(
            TickFindings(
                subject: "tikv", at: Date(),
                violations: [Violation(invariant: "store-low-space", entity: entity, severity: .warning, message: "planted on \(entity)")],
                evaluated: ["store-low-space"]),
            policy: TicketPolicy())
        return try #require(outcome.incidentsOpened.first)
    }
}
