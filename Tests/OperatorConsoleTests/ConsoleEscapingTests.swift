import Foundation
import OperatorCore
import Testing
@testable import OperatorConsole

/// Everything from a cluster or a model is shown as text: on the rendered strings of every page.
@Suite("Console escaping")
struct ConsoleEscapingTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func hostileIncident() -> ConsoleIncidentDetail {
        let entity = Entity(kind: "store", id: "2")
        var incident = Incident(
            id: 7, subject: "tikv", rootEntity: entity, rootInvariant: "store-down", status: .diagnosed, severity: .critical,
            title: "Title " + HostileText.both, openedAt: now, updatedAt: now, ticketIDs: [3])
        incident.diagnosis = HostileText.diagnosis()
        let ticket = Ticket(
            id: 3, subject: "tikv", invariant: "store-down", entity: entity, severity: .critical, status: .diagnosed,
            message: "Message " + HostileText.both, firstSeen: now, lastSeen: now, occurrences: 4, incidentID: 7)
        let event = TimelineEvent(at: now, kind: .opened, ticketID: 3, incidentID: 7, detail: "Detail " + HostileText.both)
        return ConsoleIncidentDetail(cluster: "default", incident: incident, tickets: [ticket], timeline: [event])
    }

    @Test("The incident page shows planted <script> and \"><img onerror> in title, message, diagnosis and evidence as text")
    func incidentPage() throws {
        let html = try ConsolePages().incident(hostileIncident(), now: now, nonce: "abc")
        RenderedPageChecks.expectEscaped(html)
        for field in ["Title ", "Message ", "Detail ", "Summary ", "signal ", "value ", "expected ", "note ", "hypothesis ",
                      "rejected ", "action ", "rationale ", "claim ", "unsupported ", "problem ", "alternative claim "] {
            let shown = html.contains(field + HostileText.escapedScript) || html.contains(field + HostileText.escapedAttribute)
                || html.contains(field + "store 2 said " + HostileText.escapedScript)
            #expect(shown, "\(field.trimmingCharacters(in: .whitespaces)) is not on the page as escaped text")
        }
    }

    @Test("The incident page is the CLI's diagnosis: root cause with confidence, evidence table with ids, observe-only actions")
    func incidentPageContent() throws {
        let html = try ConsolePages().incident(hostileIncident(), now: now, nonce: "abc")
        #expect(html.contains("<strong class=\"category\">node-down</strong> on <code class=\"entity\">store:2</code>"))
        #expect(html.contains("<span class=\"confidence\">85%</span>"))
        #expect(html.contains("<table class=\"evidence\" id=\"evidence\">"))
        #expect(html.contains("<td class=\"code\">s1</td>"))
        // An evidence item without an id shows "-", not the incident's id 7 (mustache's parent lookup).
        #expect(html.contains("<tr><td class=\"code\">-</td><td>store state</td><td class=\"code\">Down</td><td class=\"code\">-</td>"))
        #expect(html.contains("[s1, t1]"))
        #expect(html.contains("observe-only: nothing was executed"))
        #expect(html.contains("data-action=\"acknowledge\" data-incident=\"7\""))
        #expect(html.contains("data-action=\"resolve\" data-incident=\"7\""))
        #expect(html.contains("data-action=\"diagnose\" data-incident=\"7\""))
        #expect(html.contains("<a href=\"/incidents/7\">#7</a>"))
        #expect(html.contains("Diagnosed by offline in 0 ms"))
    }

    @Test("A long timeline shows its newest 200 events and says how many older ones are left out")
    func longTimeline() throws {
        var detail = hostileIncident()
        detail.timeline = (1...250).map {
            TimelineEvent(at: now.addingTimeInterval(Double($0)), kind: .flapping, ticketID: 3, incidentID: 7, detail: "event \($0)!")
        }
        let html = try ConsolePages().incident(detail, now: now, nonce: "abc")
        #expect(html.contains("50 older event(s) not shown"))
        #expect(!html.contains("<td>event 50!</td>"))
        #expect(html.contains("<td>event 51!</td>"))
        #expect(html.contains("<td>event 250!</td>"))
        #expect(!(try ConsolePages().incident(hostileIncident(), now: now, nonce: "abc")).contains("older event(s) not shown"))
    }

    @Test("An undiagnosed incident says so, with the last failure, and shows no evidence table")
    func undiagnosed() throws {
        var detail = hostileIncident()
        detail.incident.diagnosis = nil
        detail.incident.diagnosisError = "model said " + HostileText.script
        let html = try ConsolePages().incident(detail, now: now, nonce: "abc")
        #expect(html.contains("Not diagnosed yet."))
        #expect(html.contains("The last attempt failed: model said " + HostileText.escapedScript))
        #expect(!html.contains("id=\"evidence\""))
    }

    @Test("A hostile cluster name is escaped in text and attributes, and percent-encoded in its link")
    func hostileClusterName() throws {
        let name = HostileText.attribute
        let cluster = ConsoleClusterSummary(
            name: name, subject: "tikv", state: .degraded, openIncidents: 1, lastTickAt: now.addingTimeInterval(-12),
            lastTickDurationMs: 40, note: "error " + HostileText.script)
        let incident = hostileIncident()
        let home = try ConsolePages().home(
            clusters: [cluster], incidents: [ConsoleIncidentSummary(cluster: name, incident: incident.incident)], now: now,
            nonce: "abc")
        RenderedPageChecks.expectEscaped(home)
        #expect(home.contains("href=\"/clusters/%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E\""))
        #expect(home.contains("data-cluster=\"" + HostileText.escapedAttribute + "\""))
        #expect(home.contains("12 s ago"))
        #expect(home.contains("<span class=\"badge state-degraded\">degraded</span>"))

        let detail = ConsoleClusterDetail(
            summary: cluster, tick: 9,
            verdicts: [ConsoleInvariantVerdict(invariant: "store-low-space", verdict: .skipped, reason: "reason " + HostileText.attribute)],
            openTickets: incident.tickets)
        let page = try ConsolePages().cluster(detail, now: now, nonce: "abc")
        RenderedPageChecks.expectEscaped(page)
        #expect(page.contains("<span class=\"badge verdict-skipped\">skipped</span>"))
        #expect(page.contains("tick 9"))
    }

    @Test("404 and 500 pages escape what was asked for")
    func messagePage() throws {
        let html = try ConsolePages().message(
            heading: "No cluster \"\(HostileText.attribute)\"", message: "Asked " + HostileText.script, now: now, nonce: "abc")
        RenderedPageChecks.expectEscaped(html)
    }
}
