import Crypto
import Foundation
import Logging
import OperatorCore
import OperatorNotify
import OperatorTestSupport
import Testing

/// Each receiver against a loopback server that checks what its real counterpart checks: the webhook's
/// HMAC recomputed here from the exact bytes, Alertmanager's postableAlert fields, Slack's text + blocks.
@Suite("Notification receivers")
struct ReceiverShapeTests {
    let secret = Data("a-shared-secret-of-32-characters!".utf8)

    func deliverAll(_ fixture: OutboxFixture, _ receiver: any NotificationReceiver, console: String? = "https://operator.example") async
        -> Int
    {
        let service = NotificationDeliveryService(
            store: fixture.store, receivers: [receiver], configuration: .init(consoleBaseURL: console), redactor: Redactor())
        return await service.deliverDue(to: receiver)
    }

    @Test func webhookBodiesAreSignedAndKeyed() async throws {
        let endpoint = try await ReceivingServer.start()
        defer { endpoint.server.stop() }
        let fixture = try await OutboxFixture(routes: [NotificationRoute(receiver: "hook", events: Set(NotificationEvent.allCases))])
        defer { fixture.cleanup() }
        let id = try await fixture.incidentLife()
        let receiver = WebhookReceiver(name: "hook", url: endpoint.baseURL + "/operator?token=query-secret", secret: secret)
        #expect(await deliverAll(fixture, receiver) == 3)

        let got = endpoint.received
        #expect(got.count == 3)
        let rows = try await fixture.store.notifications(NotificationFilter(receiver: "hook")).reversed()
        #expect(rows.allSatisfy { $0.status == .sent && $0.attempts == 1 })
        for (request, row) in zip(got, rows) {
            #expect(request.path == "/operator")
            #expect(request.header("Idempotency-Key") == row.idempotencyKey)
            // Recomputed independently of the sender's code, over the bytes as they arrived.
            let mac = HMAC<SHA256>.authenticationCode(for: request.body, using: SymmetricKey(data: secret))
            #expect(request.header("X-Operator-Signature") == "sha256=" + mac.map { String(format: "%02x", $0) }.joined())
            #expect(WebhookSignature.verify(try #require(request.header("X-Operator-Signature")), body: request.body, secret: secret))
            var tampered = request.body
            tampered.append(0x20)
            #expect(!WebhookSignature.verify(try #require(request.header("X-Operator-Signature")), body: tampered, secret: secret))
            let json = try #require(request.json as? [String: Any])
            #expect(json["idempotency_key"] as? String == row.idempotencyKey)
            #expect(json["event"] as? String == row.event.rawValue)
            let incident = try #require(json["incident"] as? [String: Any])
            #expect((incident["id"] as? NSNumber)?.int64Value == id)
            #expect(incident["cluster"] as? String == "prod")
            let diagnosis = try #require(json["diagnosis"] as? [String: Any], "the incident's latest diagnosis, even on its opened row")
            #expect((diagnosis["root_cause"] as? [String: Any])?["category"] as? String == "node-down")
            #expect(json["console_url"] as? String == "https://operator.example/incidents/\(id)")
        }
        #expect(got.map { ($0.json as? [String: Any])?["event"] as? String } == ["opened", "diagnosed", "resolved"])
    }

    @Test func alertmanagerGetsPostableAlertsThatResolve() async throws {
        let alertmanager = try await ReceivingServer.start()
        defer { alertmanager.server.stop() }
        let fixture = try await OutboxFixture(routes: [NotificationRoute(receiver: "am", events: [.opened, .resolved])])
        defer { fixture.cleanup() }
        let down = Violation(invariant: "node-down", entity: "node:n2", severity: .critical, message: "node n2 is down")
        let id = try #require(try await fixture.tick(0, [down]).incidentsOpened.first)
        let receiver = AlertmanagerReceiver(name: "am", url: alertmanager.baseURL)
        #expect(await deliverAll(fixture, receiver) == 1)
        let fired = try #require(alertmanager.received.first)
        #expect(fired.path == "/api/v2/alerts")
        let alerts = try #require(fired.json as? [[String: Any]])
        #expect(alerts.count == 1, "undiagnosed: one alert")
        let alert = try #require(alerts.first)
        let labels = try #require(alert["labels"] as? [String: String])
        #expect(labels["alertname"] == "OperatorIncident")
        #expect(labels["cluster"] == "prod" && labels["subject"] == "fake")
        #expect(labels["root_invariant"] == "node-down" && labels["root_entity"] == "node:n2")
        #expect(labels["severity"] == "critical" && labels["category"] == "undiagnosed" && labels["incident"] == "\(id)")
        let annotations = try #require(alert["annotations"] as? [String: String])
        #expect(annotations["summary"] == "node n2 is down")
        #expect(annotations["root_cause"]?.contains("not diagnosed yet") == true)
        #expect(annotations["console_url"] == "https://operator.example/incidents/\(id)")
        #expect((alert["startsAt"] as? String).flatMap { Timestamp.parse($0) } == fixture.t0, "startsAt is when it opened")
        #expect(alert["endsAt"] == nil, "firing: Alertmanager keeps it until resolve_timeout or a resolve")

        _ = try await fixture.tick(2, [])
        #expect(await deliverAll(fixture, receiver) == 1)
        let resolved = try #require(alertmanager.received.last?.json as? [[String: Any]])
        #expect(resolved.count == 1)
        #expect(resolved.first?["endsAt"] is String, "resolved: posted with endsAt")
        #expect((resolved.first?["labels"] as? [String: String]) == labels, "same labels: the same alert ends")
    }

    @Test func aDiagnosedIncidentEndsItsUndiagnosedAlert() async throws {
        let alertmanager = try await ReceivingServer.start()
        defer { alertmanager.server.stop() }
        let fixture = try await OutboxFixture(routes: [NotificationRoute(receiver: "am", events: [.diagnosed])])
        defer { fixture.cleanup() }
        let id = try await fixture.incidentLife()
        // The incident as it stood between its diagnosis and its resolution: diagnosed, open.
        let incident = try #require(try await fixture.store.incident(id: id))
        var open = incident
        open.status = .diagnosed
        open.resolvedAt = nil
        let receiver = AlertmanagerReceiver(name: "am", url: alertmanager.baseURL)
        try await receiver.refresh([
            NotificationPayload(
                notification: try #require(try await fixture.store.notifications(NotificationFilter()).first), incident: open,
                consoleURL: nil)
        ])
        let alerts = try #require(alertmanager.received.last?.json as? [[String: Any]])
        let byCategory = Dictionary(
            uniqueKeysWithValues: alerts.compactMap { a in ((a["labels"] as? [String: String])?["category"]).map { ($0, a) } })
        #expect(byCategory["node-down"]?["endsAt"] == nil, "the diagnosed alert fires")
        #expect(byCategory["undiagnosed"]?["endsAt"] is String, "the undiagnosed one is ended")
        #expect((byCategory["node-down"]?["annotations"] as? [String: String])?["summary"] == "node n2 is down and its peers answer")
    }

    /// An incident's severity falls as its members resolve (an info `leader-changed` outlives a critical
    /// `member-down`); the alert's severity label is its root's, so the resolve ends the alert that fired.
    @Test func theSeverityLabelIsTheRootsAndStaysPut() async throws {
        let alertmanager = try await ReceivingServer.start()
        defer { alertmanager.server.stop() }
        let fixture = try await OutboxFixture(routes: [])
        defer { fixture.cleanup() }
        let down = Violation(invariant: "node-down", entity: "node:n2", severity: .critical, message: "node n2 is down")
        let id = try #require(try await fixture.tick(0, [down]).incidentsOpened.first)
        var incident = try #require(try await fixture.store.incident(id: id))
        incident.severity = .info
        let row = OutboxNotification(
            id: 1, incidentID: id, cluster: "prod", event: .resolved, sequence: 9, receiver: "am", idempotencyKey: "k", createdAt: Date(),
            status: .pending, attempts: 0, lastError: nil, nextAttemptAt: Date(), sentAt: nil)
        let receiver = AlertmanagerReceiver(name: "am", url: alertmanager.baseURL)
        try await receiver.deliver(NotificationPayload(notification: row, incident: incident, consoleURL: nil, rootSeverity: .critical))
        let alerts = try #require(alertmanager.received.last?.json as? [[String: Any]])
        #expect(alerts.compactMap { ($0["labels"] as? [String: String])?["severity"] } == ["critical"])
        #expect(alerts.first?["endsAt"] is String)

        // A reopened incident fires from its reopening: a new firing period, as Prometheus would start one.
        var reopened = row
        reopened.event = .reopened
        reopened.createdAt = fixture.t0.addingTimeInterval(900)
        incident.status = .open
        try await receiver.deliver(NotificationPayload(notification: reopened, incident: incident, consoleURL: nil, rootSeverity: .critical))
        let refired = try #require(alertmanager.received.last?.json as? [[String: Any]])
        #expect((refired.first?["startsAt"] as? String).flatMap { Timestamp.parse($0) } == reopened.createdAt)
        #expect(refired.first?["endsAt"] == nil)
    }

    @Test func slackMessagesCarryTextAndBlocks() async throws {
        let slack = try await ReceivingServer.start()
        defer { slack.server.stop() }
        let fixture = try await OutboxFixture(routes: [NotificationRoute(receiver: "chat", events: [.diagnosed])])
        defer { fixture.cleanup() }
        let id = try await fixture.incidentLife()
        let receiver = SlackReceiver(name: "chat", url: slack.baseURL + "/services/T000/B000/secret-token")
        #expect(receiver.redactedTarget == "http://127.0.0.1:\(slack.server.port)/…", "the path is the secret")
        #expect(await deliverAll(fixture, receiver) == 1)
        let message = try #require(slack.received.first?.json as? [String: Any])
        let text = try #require(message["text"] as? String)
        #expect(text.contains("incident #\(id)") && text.contains("diagnosed") && text.contains("prod"))
        let blocks = try #require(message["blocks"] as? [[String: Any]])
        #expect(blocks.first?["type"] as? String == "header")
        let sections = blocks.compactMap { ($0["text"] as? [String: Any])?["text"] as? String }
        #expect(sections.contains { $0.contains("*Summary*") && $0.contains("node n2 is down and its peers answer") })
        #expect(sections.contains { $0.contains("*Root cause*") && $0.contains("node-down") && $0.contains("node:n2") })
        let evidence = try #require(sections.first { $0.contains("*Top evidence*") })
        #expect(evidence.contains("node.up: false (expected true)") && evidence.contains("leader: n1"))
        #expect(!evidence.contains("not shown in chat"), "top three only")
        #expect(sections.contains { $0.contains("https://operator.example/incidents/\(id)") })
        for block in blocks where block["type"] as? String == "section" {
            #expect((block["text"] as? [String: Any])?["type"] as? String == "mrkdwn")
        }
    }
}
