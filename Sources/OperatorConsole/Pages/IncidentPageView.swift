import Foundation
import OperatorCore

/// The incident page: the incident, its diagnosis as the CLI prints it, its timeline and member tickets.
struct IncidentPageView {
    var nonce: String
    var refreshSeconds: Int
    var renderedAt: String
    var id: Int64
    var title: String
    var cluster: String
    var clusterPath: String
    var subject: String
    var status: String
    var severity: String
    var rootInvariant: String
    var rootEntity: String
    var openedAt: String
    var updatedAt: String
    var resolvedAt: String?
    /// `by alice at <time>`, once someone acknowledged it.
    var acknowledged: String?
    var flapping: String?
    var mergedInto: Int64?
    var diagnosis: DiagnosisView?
    var diagnosisError: String?
    var timeline: [TimelineRowView]
    /// Events older than the newest `timelineLimit`, when some were left out (zero or one item).
    var olderEvents: [Int]
    var tickets: [TicketRowView]

    /// A flapping incident can gather thousands of events; the page shows the newest.
    static let timelineLimit = 200

    init(_ detail: ConsoleIncidentDetail, frame: PageFrame) {
        let i = detail.incident
        nonce = frame.nonce
        refreshSeconds = frame.refreshSeconds
        renderedAt = frame.renderedAt
        id = i.id
        title = i.title
        cluster = detail.cluster
        clusterPath = ConsoleText.clusterPath(detail.cluster)
        subject = i.subject
        status = i.status.rawValue
        severity = i.severity.rawValue
        rootInvariant = i.rootInvariant
        rootEntity = i.rootEntity.description
        openedAt = ConsoleText.time(i.openedAt)
        updatedAt = ConsoleText.time(i.updatedAt)
        resolvedAt = i.resolvedAt.map(ConsoleText.time)
        acknowledged = i.acknowledgedBy.map { by in
            "by \(by)" + (i.acknowledgedAt.map { " at " + ConsoleText.time($0) } ?? "")
        }
        flapping = i.flappingSince.map { "\(ConsoleText.time($0)) (\(i.flapCount) recurrences)" }
        mergedInto = i.mergedInto
        diagnosis = i.diagnosis.map(DiagnosisView.init)
        diagnosisError = i.diagnosisError
        let omitted = max(0, detail.timeline.count - Self.timelineLimit)
        timeline = detail.timeline.dropFirst(omitted).map(TimelineRowView.init)
        olderEvents = omitted > 0 ? [omitted] : []
        tickets = detail.tickets.map(TicketRowView.init)
    }
}

struct TimelineRowView {
    var at: String
    var kind: String
    var ticketID: [Int64]
    var detail: String

    init(_ e: TimelineEvent) {
        at = ConsoleText.time(e.at)
        kind = e.kind.rawValue
        ticketID = e.ticketID.map { [$0] } ?? []
        detail = e.detail
    }
}

/// A diagnosis as `DiagnosisRendering` prints it in the terminal, field for field.
struct DiagnosisView {
    var summary: String
    var category: String
    var entity: String
    var confidence: String
    var explanation: String
    var hasClaims: Bool
    var claims: [ClaimView]
    var hasUnsupportedClaims: Bool
    var unsupportedClaims: [UnsupportedClaimView]
    var observation: String
    var evidence: [EvidenceRowView]
    var alternatives: [AlternativeView]
    var recommendedActions: [ActionView]
    var diagnosedBy: String

    init(_ d: Diagnosis) {
        summary = d.summary
        category = d.rootCause.category
        entity = d.rootCause.entity.description
        confidence = ConsoleText.percent(d.confidence)
        explanation = d.rootCause.explanation
        claims = d.claims.map(ClaimView.init)
        hasClaims = !claims.isEmpty
        unsupportedClaims = d.unsupportedClaims.map { UnsupportedClaimView(claim: $0.claim, problem: $0.problem) }
        hasUnsupportedClaims = !unsupportedClaims.isEmpty
        observation = d.observation
        evidence = d.evidence.map(EvidenceRowView.init)
        alternatives = d.alternatives.map(AlternativeView.init)
        recommendedActions = d.recommendedActions.enumerated().map { ActionView(number: $0.offset + 1, $0.element) }
        var by = "Diagnosed by \(d.diagnoser)"
        if let model = d.model { by += " (\(model))" }
        by += " in \(d.durationMs) ms"
        if let i = d.inputTokens, let o = d.outputTokens { by += ", \(i) input / \(o) output tokens" }
        diagnosedBy = by
    }
}

struct ClaimView {
    var text: String
    /// `s1, t12`, or `no evidence cited`.
    var cites: String

    init(_ c: Claim) {
        text = c.text
        cites = c.evidence.isEmpty ? "no evidence cited" : c.evidence.joined(separator: ", ")
    }
}

struct UnsupportedClaimView {
    var claim: String
    var problem: String
}

struct EvidenceRowView {
    var id: String
    var signal: String
    var value: String
    var expected: String
    var source: String
    var note: String

    init(_ e: Diagnosis.Evidence) {
        id = e.id ?? "-"
        signal = e.signal
        value = e.value
        expected = e.expected ?? "-"
        source = e.queryOrSource
        note = e.note ?? ""
    }
}

struct AlternativeView {
    var hypothesis: String
    var rejectedBecause: String
    var claims: [ClaimView]

    init(_ a: Diagnosis.Alternative) {
        hypothesis = a.hypothesis
        rejectedBecause = a.rejectedBecause
        // A claim that repeats the reason word for word shows only what it cites.
        claims = a.claims.map { claim in
            var view = ClaimView(claim)
            if claim.text == a.rejectedBecause { view.text = "" }
            return view
        }
    }
}

struct ActionView {
    var number: Int
    var action: String
    var risk: String
    /// The badge colour: a risk outside low/medium/high gets the neutral one.
    var riskClass: String
    var rationale: String

    init(number: Int, _ a: Diagnosis.RecommendedAction) {
        self.number = number
        action = a.action
        risk = a.risk
        switch a.risk.lowercased() {
        case "high": riskClass = "critical"
        case "medium": riskClass = "warning"
        default: riskClass = "info"
        }
        rationale = a.rationale
    }
}
