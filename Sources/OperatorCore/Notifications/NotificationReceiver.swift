import Foundation

/// What a receiver is handed for one outbox row: the row and the incident as it is now (with its latest
/// diagnosis), so a late delivery carries the newest diagnosis.
public struct NotificationPayload: Sendable {
    public var notification: OutboxNotification
    public var incident: Incident
    /// The console's page for the incident, when `notify.console_url` is set.
    public var consoleURL: String?
    /// The severity of the incident's root ticket. Unlike the incident's severity (the highest of its open
    /// members, which falls as they resolve) it stays put while the incident lives, so a receiver that keys
    /// alerts by labels can use it without the alert changing identity.
    public var rootSeverity: Severity?

    public init(notification: OutboxNotification, incident: Incident, consoleURL: String?, rootSeverity: Severity? = nil) {
        self.notification = notification
        self.incident = incident
        self.consoleURL = consoleURL
        self.rootSeverity = rootSeverity
    }
}

/// Somewhere incidents are sent (Alertmanager, a webhook, a chat channel). The core knows receivers only
/// through this protocol; the concrete ones live outside it and are chosen at the composition root.
public protocol NotificationReceiver: Sendable {
    /// The configured name: outbox rows are addressed to it.
    var name: String { get }
    /// Where it sends, safe to log: no userinfo, no query string, no secret path.
    var redactedTarget: String { get }
    /// Sends one notification; throws when the receiver did not accept it (it will be retried).
    func deliver(_ payload: NotificationPayload) async throws
    /// How often open incidents are announced again (Alertmanager forgets an alert after its
    /// `resolve_timeout`); nil: never.
    var refreshInterval: Duration? { get }
    /// Announces the open incidents again. Best effort: the outbox still carries every change.
    func refresh(_ openIncidents: [NotificationPayload]) async throws
}

extension NotificationReceiver {
    /// Most receivers keep what they were told; only one that expires needs reminding.
    public var refreshInterval: Duration? { nil }
    public func refresh(_ openIncidents: [NotificationPayload]) async throws {}
}

/// Shows a receiver URL without what must not be logged: userinfo, query string and fragment always,
/// and the path too when it is the secret (`hidePath`, a chat webhook's token lives there).
public enum NotificationURLText {
    public static func redacted(_ url: String, hidePath: Bool = false) -> String {
        var text = Redactor.redactUserinfo(url)
        if let cut = text.firstIndex(where: { $0 == "?" || $0 == "#" }) { text = String(text[..<cut]) + "?…" }
        guard hidePath, let scheme = text.range(of: "://") else { return text }
        let rest = text[scheme.upperBound...]
        guard let slash = rest.firstIndex(of: "/") else { return text }
        return String(text[..<slash]) + "/…"
    }
}
