import Foundation

/// One alert as an alerting system delivered it (Alertmanager's webhook `alerts[]` item): its identity
/// (`fingerprint`), whether it fires or resolved, and the labels and annotations its rule gave it.
public struct ReceivedAlert: Sendable, Equatable {
    public enum Status: String, Sendable, Codable, Equatable {
        case firing, resolved
    }

    public var status: Status
    /// Every label; `alertname` is always among them (the intake refuses an alert without it).
    public var labels: [String: String]
    public var annotations: [String: String]
    public var startsAt: Date?
    /// When it stopped firing (resolved alerts); Alertmanager sends year 1 while it fires, read as nil.
    public var endsAt: Date?
    /// Where the rule that fired can be seen (userinfo already removed).
    public var generatorURL: String?
    /// Stable identity of the alert (a hash of its labels): deduplication is by fingerprint.
    public var fingerprint: String

    public init(
        status: Status, labels: [String: String], annotations: [String: String] = [:], startsAt: Date? = nil,
        endsAt: Date? = nil, generatorURL: String? = nil, fingerprint: String
    ) {
        self.status = status
        self.labels = labels
        self.annotations = annotations
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.generatorURL = generatorURL
        self.fingerprint = fingerprint
    }

    public var alertname: String { labels["alertname"] ?? "" }

    /// The severity its labels claim: `severity` (the common convention) or `level` (some projects' official rules);
    /// `emergency`, `critical`, `page` and `error` are critical, `info`/`none` info, anything else a warning.
    public var severity: Severity {
        let text = (labels["severity"] ?? labels["level"] ?? "").lowercased()
        switch text {
        case "critical", "emergency", "page", "error", "fatal": return .critical
        case "info", "informational", "none": return .info
        default: return .warning
        }
    }

    /// One line for the ticket: the alert's name and its summary (or description) annotation.
    public var message: String {
        let what = annotations["summary"] ?? annotations["description"] ?? annotations["message"]
        let text = what.map { "\(alertname): \($0)" } ?? "\(alertname) firing"
        return String(text.prefix(500))
    }

    /// What the ticket keeps of the alert, and what a diagnosis context shows (and a diagnoser cites).
    public var excerpt: JSONValue {
        var object: [String: JSONValue] = [
            "alert": .string(alertname),
            "fingerprint": .string(fingerprint),
            "status": .string(status.rawValue),
            "labels": .object(labels.mapValues { .string($0) }),
            "annotations": .object(annotations.mapValues { .string($0) }),
        ]
        if let generatorURL { object["generator_url"] = .string(generatorURL) }
        if let startsAt { object["starts_at"] = .string(Timestamp.format(startsAt)) }
        if let endsAt { object["ends_at"] = .string(Timestamp.format(endsAt)) }
        return .object(object)
    }
}

/// How alert tickets are spelled: invariant `alert:<alertname>`. They are opened, resolved and reopened by
/// the alerts that arrive, never by a monitor tick (no tick evaluates an `alert:` invariant).
public enum AlertTicket {
    public static let invariantPrefix = "alert:"

    public static func invariant(for alertname: String) -> String { invariantPrefix + alertname }

    public static func isAlert(_ invariant: String) -> Bool { invariant.hasPrefix(invariantPrefix) }

    /// The alert as the violation its ticket records, on the entity the subject mapped it to.
    public static func violation(_ alert: ReceivedAlert, on entity: Entity) -> Violation {
        Violation(
            invariant: invariant(for: alert.alertname), entity: entity, severity: alert.severity, message: alert.message,
            excerpt: alert.excerpt)
    }

    /// An open alert ticket as a violation, so the subject's causal knowledge can place it (`MonitorService`
    /// offers open alert tickets to `causalLinks` beside the tick's violations).
    public static func violation(_ ticket: Ticket) -> Violation {
        Violation(
            invariant: ticket.invariant, entity: ticket.entity, severity: ticket.severity, message: ticket.message,
            excerpt: ticket.snapshotExcerpt)
    }
}
