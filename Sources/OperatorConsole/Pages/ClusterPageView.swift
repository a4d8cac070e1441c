import Foundation

/// The cluster page: state, the latest tick's verdicts, open tickets.
struct ClusterPageView {
    var nonce: String
    var refreshSeconds: Int
    var renderedAt: String
    var name: String
    var subject: String
    var state: String
    var openIncidents: Int
    var tick: Int?
    var lastTickAge: String
    var lastTickDuration: String?
    var note: String?
    var verdicts: [VerdictRowView]
    var tickets: [TicketRowView]

    init(_ detail: ConsoleClusterDetail, frame: PageFrame, now: Date) {
        let c = detail.summary
        nonce = frame.nonce
        refreshSeconds = frame.refreshSeconds
        renderedAt = frame.renderedAt
        name = c.name
        subject = c.subject
        state = c.state.rawValue
        openIncidents = c.openIncidents
        tick = detail.tick
        lastTickAge = ConsoleText.age(of: c.lastTickAt, now: now)
        lastTickDuration = c.lastTickDurationMs.map { ConsoleText.milliseconds($0) }
        note = c.note
        verdicts = detail.verdicts.map(VerdictRowView.init)
        tickets = detail.openTickets.map(TicketRowView.init)
    }
}

struct VerdictRowView {
    var invariant: String
    var verdict: String
    var reason: String

    init(_ v: ConsoleInvariantVerdict) {
        invariant = v.invariant
        verdict = v.verdict.rawValue
        reason = v.reason ?? ""
    }
}
