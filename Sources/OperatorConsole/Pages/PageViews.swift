import Foundation
import OperatorCore

// What the templates read, by property name (swift-mustache reflects these structs). Every property a
// template reads inside a section is non-optional: mustache looks a missing (nil) name up in the enclosing
// context, so an evidence item without an id would otherwise show the incident's id. Optionals appear only
// as section names no enclosing context has (`resolvedAt`, `flapping`, `diagnosisError`).

/// What every page's layout reads.
struct PageFrame {
    /// Per-response nonce of the Content-Security-Policy: only the console's own script and style run.
    var nonce: String
    var refreshSeconds: Int
    var renderedAt: String
}

struct ClusterRowView {
    var name: String
    var path: String
    var subject: String
    var state: String
    var openIncidents: Int
    var lastTickAge: String
    var lastTickDuration: String
    var note: String
    var watchedBy: String

    init(_ c: ConsoleClusterSummary, now: Date) {
        watchedBy = c.watchedBy ?? "—"
        name = c.name
        path = ConsoleText.clusterPath(c.name)
        subject = c.subject
        state = c.state.rawValue
        openIncidents = c.openIncidents
        lastTickAge = ConsoleText.age(of: c.lastTickAt, now: now)
        lastTickDuration = ConsoleText.milliseconds(c.lastTickDurationMs)
        note = c.note ?? ""
    }
}

struct IncidentRowView {
    var id: Int64
    var path: String
    var cluster: String
    var status: String
    /// Who acknowledged it, if anyone (a section of zero or one item).
    var acknowledgedBy: [String]
    var severity: String
    var title: String
    var rootInvariant: String
    var rootEntity: String
    var diagnosisHeadline: String
    var openedAt: String
    var updatedAt: String

    init(_ s: ConsoleIncidentSummary) {
        let i = s.incident
        id = i.id
        path = ConsoleText.incidentPath(i.id)
        cluster = s.cluster
        status = i.status.rawValue
        acknowledgedBy = i.acknowledgedBy.map { [$0] } ?? []
        severity = i.severity.rawValue
        title = i.title
        rootInvariant = i.rootInvariant
        rootEntity = i.rootEntity.description
        if let d = i.diagnosis {
            diagnosisHeadline = "\(d.rootCause.category) on \(d.rootCause.entity) (\(ConsoleText.percent(d.confidence)))"
        } else if i.diagnosisError != nil {
            diagnosisHeadline = "diagnosis failed"
        } else {
            diagnosisHeadline = "not diagnosed yet"
        }
        openedAt = ConsoleText.time(i.openedAt)
        updatedAt = ConsoleText.time(i.updatedAt)
    }
}

struct TicketRowView {
    var id: Int64
    var status: String
    var severity: String
    var invariant: String
    var entity: String
    var occurrences: Int
    var lastSeen: String
    /// Empty, or the one incident id (a section of zero or one item).
    var incidentID: [Int64]
    var message: String

    init(_ t: Ticket) {
        id = t.id
        status = t.status.rawValue
        severity = t.severity.rawValue
        invariant = t.invariant
        entity = t.entity.description
        occurrences = t.occurrences
        lastSeen = ConsoleText.time(t.lastSeen)
        incidentID = t.incidentID.map { [$0] } ?? []
        message = t.message
    }
}

struct HomePageView {
    var nonce: String
    var refreshSeconds: Int
    var renderedAt: String
    var clusters: [ClusterRowView]
    var incidents: [IncidentRowView]
}

struct MessagePageView {
    var nonce: String
    var refreshSeconds: Int
    var renderedAt: String
    var heading: String
    var message: String
}
