import Foundation
import OperatorCore
import OperatorTestSupport
import SubjectTiKV
import Testing

@testable import OperatorServer

/// `POST /api/v1/alerts/alertmanager` over real HTTP, against the monitored simulator with `store-down` on
/// `store:2`: payloads in Alertmanager's webhook shape (version "4", as
/// ../shared/reference/etcd-prometheus-observed.md records one), the official `TiKV_server_is_down` alert.
@Suite("Alertmanager intake over HTTP")
struct AlertIntakeAPITests {
    static let token = "intake-token-for-tests"
    static let path = "/api/v1/alerts/alertmanager"

    /// One webhook delivery with one alert, as Alertmanager 0.25 sends it.
    static func payload(
        status: String = "firing", alertname: String = "TiKV_server_is_down", instance: String, fingerprint: String = "5a0c6f3e81b2d947",
        extraLabels: [String: String] = [:]
    ) -> String {
        var labels = ["alertname": alertname, "instance": instance, "group": "tikv", "level": "emergency"]
        labels.merge(extraLabels) { _, new in new }
        let endsAt = status == "firing" ? "0001-01-01T00:00:00Z" : "2026-11-27T10:05:59.295Z"
        let alert: [String: Any] = [
            "status": status, "labels": labels,
            "annotations": ["summary": "TiKV server \(instance) is down", "description": "probe_success == 0"],
            "startsAt": "2026-11-27T10:04:16.295Z", "endsAt": endsAt,
            "generatorURL": "http://prom:9090/graph?g0.expr=probe_success%7Bgroup%3D%22tikv%22%7D+%3D%3D+0&g0.tab=1",
            "fingerprint": fingerprint,
        ]
        let body: [String: Any] = [
            "receiver": "operator", "status": status, "alerts": [alert], "groupLabels": ["alertname": alertname],
            "commonLabels": labels, "commonAnnotations": [String: String](), "externalURL": "http://am:9093", "version": "4",
            "groupKey": "{}:{alertname=\"\(alertname)\"}", "truncatedAlerts": 0,
        ]
        return String(decoding: (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data(), as: UTF8.self)
    }

    /// Store 2's peer address, from the monitor's latest snapshot (PD's store list).
    static func storeAddress(_ api: LiveAPI, id: UInt64) async throws -> String {
        var address: String?
        try await api.eventually("a snapshot listing store \(id)") {
            address = await api.latest.value?.stores.first { $0.id == id }?.address
            return address != nil
        }
        return try #require(address)
    }

    func post(_ api: LiveAPI, _ body: String, query: String = "?cluster=default") async throws -> LiveAPI.Reply {
        try await api.call(.POST, Self.path + query, body: body, token: Self.token)
    }

    @Test("Bad deliveries: 400 naming the field, 404 listing clusters, 413, 415, 401; a bad alert writes none of the delivery")
    func badInput() async throws {
        try await withLiveAPI(token: Self.token, startMonitor: false) { api in
            let good = Self.payload(instance: "10.0.0.9:20160")
            let cases: [(String, String)] = [
                ("{not json", "bad body"),
                ("[]", "bad body"),
                ("{\"alerts\": []}", "version"),
                ("{\"version\": \"3\", \"alerts\": []}", "version"),
                ("{\"version\": \"4\"}", "alerts"),
                ("{\"version\": \"4\", \"alerts\": {}}", "alerts"),
                ("{\"version\": \"4\", \"alerts\": [7]}", "alerts[0]"),
                ("{\"version\": \"4\", \"alerts\": [{\"labels\": {\"alertname\": \"X\"}, \"fingerprint\": \"f\"}]}", "alerts[0].status"),
                ("{\"version\": \"4\", \"alerts\": [{\"status\": \"burning\", \"labels\": {\"alertname\": \"X\"}, \"fingerprint\": \"f\"}]}", "alerts[0].status"),
                ("{\"version\": \"4\", \"alerts\": [{\"status\": \"firing\", \"labels\": {\"job\": \"x\"}, \"fingerprint\": \"f\"}]}", "alerts[0].labels.alertname"),
                ("{\"version\": \"4\", \"alerts\": [{\"status\": \"firing\", \"labels\": {\"alertname\": 3}, \"fingerprint\": \"f\"}]}", "alerts[0].labels.alertname"),
                ("{\"version\": \"4\", \"alerts\": [{\"status\": \"firing\", \"labels\": {\"alertname\": \"X\"}}]}", "alerts[0].fingerprint"),
                ("{\"version\": \"4\", \"alerts\": [{\"status\": \"firing\", \"labels\": {\"alertname\": \"X\"}, \"fingerprint\": \"f\", \"startsAt\": \"yesterday\"}]}", "alerts[0].startsAt"),
                ("{\"version\": \"4\", \"alerts\": [{\"status\": \"firing\", \"labels\": {\"alertname\": \"X\"}, \"fingerprint\": \"f\", \"annotations\": []}]}", "alerts[0].annotations"),
            ]
            for (body, field) in cases {
                let reply = try await post(api, body)
                #expect(reply.status == 400, "\(body): \(reply.status) \(reply.text)")
                #expect(try reply.error().error.contains(field), "\(body) should name \(field): \(reply.text)")
            }

            // The first alert is fine, the second is not: nothing of the delivery is written.
            let mixed = """
                {"version": "4", "status": "firing", "alerts": [
                  {"status": "firing", "labels": {"alertname": "Fine", "instance": "10.0.0.9:20160"}, "fingerprint": "f1"},
                  {"status": "firing", "labels": {"alertname": "Broken"}, "fingerprint": ""}]}
                """
            let refused = try await post(api, mixed)
            #expect(refused.status == 400, "\(refused.text)")
            #expect(try refused.error().error.contains("alerts[1].fingerprint"), "\(refused.text)")
            #expect(try await api.store.tickets(.all).isEmpty, "a refused delivery wrote tickets")

            let unknown = try await post(api, good, query: "?cluster=elsewhere")
            #expect(unknown.status == 404)
            #expect(try unknown.error().detail.contains("default"), "the 404 lists the served clusters: \(unknown.text)")

            let huge = "{\"version\": \"4\", \"alerts\": [], \"receiver\": \"" + String(repeating: "x", count: (1 << 20) + 10) + "\"}"
            let tooLarge = try await post(api, huge)
            #expect(tooLarge.status == 413)
            _ = try tooLarge.error()

            let form = try await api.call(.POST, Self.path, body: "a=b", contentType: "application/x-www-form-urlencoded", token: Self.token)
            #expect(form.status == 415)
            let anonymous = try await api.call(.POST, Self.path, body: good)
            #expect(anonymous.status == 401)
            let wrongToken = try await api.call(.POST, Self.path, body: good, token: "not-the-token")
            #expect(wrongToken.status == 401)
            #expect(try await api.store.tickets(.all).isEmpty, "refused deliveries wrote tickets")

            // The one cluster is implied when ?cluster is left out.
            let implied = try await api.call(.POST, Self.path, body: good, token: Self.token)
            #expect(implied.status == 200, "\(implied.text)")
        }
    }

    @Test("TiKV_server_is_down on store 2's address joins the store-down incident; dedup, resolve, reopen; ticks never resolve it")
    func storeDownAlertJoinsIncident() async throws {
        try await withLiveAPI(token: Self.token) { api in
            let incident = try await api.storeDownIncident()
            let incidentID = try #require(incident["id"] as? Int)
            let address = try await Self.storeAddress(api, id: 2)

            let first = try await post(api, Self.payload(instance: address))
            #expect(first.status == 200, "\(first.text)")
            let opened = try first.object()
            let ticketIDs = try #require(opened["opened"] as? [Int])
            #expect(ticketIDs.count == 1)
            #expect(opened["incidents"] as? [Int] == [incidentID], "\(first.text)")
            let ticketID = try #require(ticketIDs.first)
            let ticket = try await #require(api.store.ticket(id: Int64(ticketID)))
            #expect(ticket.invariant == "alert:TiKV_server_is_down")
            #expect(ticket.entity == Entity(kind: "store", id: "2"))
            #expect(ticket.incidentID == Int64(incidentID))
            #expect(ticket.severity == .critical, "level emergency is critical")
            #expect(ticket.snapshotExcerpt["labels"]?["instance"]?.stringValue == address)

            // Exactly one incident about store:2, none rooted in the alert.
            let incidents = try await api.store.incidents(.all)
            #expect(incidents.filter { $0.rootEntity == Entity(kind: "store", id: "2") }.count == 1, "\(incidents.map(\.rootInvariant))")
            #expect(!incidents.contains { $0.rootInvariant.hasPrefix("alert:") })

            // Alertmanager re-sends the same alert: one ticket, bumped.
            let again = try await post(api, Self.payload(instance: address))
            #expect(try again.object()["updated"] as? [Int] == [ticketID], "\(again.text)")
            #expect(try await api.store.tickets(TicketFilter(cluster: "default")).filter { $0.invariant.hasPrefix("alert:") }.count == 1)
            #expect(try await api.store.ticket(id: Int64(ticketID))?.occurrences == 2)

            // Monitor ticks go on (store-down stays violated) and leave the alert ticket alone.
            let ticks = await api.board.status(cluster: "default")?.tick ?? 0
            try await api.eventually("five more ticks") { (await api.board.status(cluster: "default")?.tick ?? 0) >= ticks + 5 }
            #expect(try await api.store.ticket(id: Int64(ticketID))?.status == .created, "a monitor tick must not resolve an alert ticket")

            // The offline rules still diagnose node-down on store:2, with the alert in the context as citable evidence.
            let diagnosed = try await api.call(.POST, "/api/v1/incidents/\(incidentID)/diagnose", body: "{\"diagnoser\": \"offline\"}", token: Self.token)
            #expect(diagnosed.status == 200, "\(diagnosed.text)")
            let diagnosis = try #require(try diagnosed.object()["diagnosis"] as? [String: Any], "\(diagnosed.text)")
            let rootCause = try #require(diagnosis["root_cause"] as? [String: Any])
            #expect(rootCause["category"] as? String == "node-down", "\(diagnosed.text.prefix(600))")
            #expect(rootCause["entity"] as? String == "store:2")
            let context = try await #require(api.store.diagnosisContext(incidentID: Int64(incidentID)))
            let alertInContext = try #require(context.tickets.first { $0.invariant == "alert:TiKV_server_is_down" })
            #expect(alertInContext.excerpt["alert"]?.stringValue == "TiKV_server_is_down")
            #expect(alertInContext.excerpt["labels"]?["instance"]?.stringValue == address)
            #expect(alertInContext.excerpt["annotations"]?["summary"]?.stringValue == "TiKV server \(address) is down")
            #expect(alertInContext.excerpt["generator_url"]?.stringValue?.hasPrefix("http://prom:9090/graph") == true)
            #expect(context.evidenceItem("t\(ticketID)") != nil, "the alert ticket is citable as t\(ticketID)")

            // Resolved resolves the ticket; firing again reopens it into the same incident.
            let resolved = try await post(api, Self.payload(status: "resolved", instance: address))
            #expect(try resolved.object()["resolved"] as? [Int] == [ticketID], "\(resolved.text)")
            #expect(try await api.store.ticket(id: Int64(ticketID))?.status == .resolved)
            let refired = try await post(api, Self.payload(instance: address))
            #expect(try refired.object()["reopened"] as? [Int] == [ticketID], "\(refired.text)")
            let reopened = try await #require(api.store.ticket(id: Int64(ticketID)))
            #expect(reopened.status == .created && reopened.reopenCount == 1)
            #expect(reopened.incidentID == Int64(incidentID))

            // A resolved alert never seen firing changes nothing.
            let stray = try await post(api, Self.payload(status: "resolved", instance: address, fingerprint: "0000000000000001"))
            #expect((try stray.object()["ignored"] as? [String])?.count == 1, "\(stray.text)")
        }
    }

    @Test("An alert whose instance is no node of the cluster lands on `cluster` with its labels kept")
    func unmappedAlert() async throws {
        try await withLiveAPI(token: Self.token) { api in
            _ = try await Self.storeAddress(api, id: 2)
            let reply = try await post(
                api, Self.payload(alertname: "NODE_disk_readonly", instance: "203.0.113.7:9100", fingerprint: "aa11", extraLabels: ["device": "sdb"]))
            #expect(reply.status == 200, "\(reply.text)")
            let id = try #require((try reply.object()["opened"] as? [Int])?.first)
            let ticket = try await #require(api.store.ticket(id: Int64(id)))
            #expect(ticket.entity == .cluster)
            #expect(ticket.invariant == "alert:NODE_disk_readonly")
            #expect(ticket.snapshotExcerpt["labels"]?["device"]?.stringValue == "sdb")
            #expect(ticket.snapshotExcerpt["labels"]?["instance"]?.stringValue == "203.0.113.7:9100")
            let incidentID = try #require(ticket.incidentID)
            let incident = try await #require(api.store.incident(id: incidentID))
            #expect(incident.rootInvariant == "alert:NODE_disk_readonly", "an unexplained alert opens its own incident")
        }
    }
}
