import Foundation

/// Where received alerts are recorded: one batch (one webhook delivery) in one transaction, so a
/// delivery lands whole or not at all.
public protocol AlertStore: Sendable {
    func recordAlerts(_ batch: AlertBatch, policy: TicketPolicy) async throws -> AlertIntakeOutcome
}

/// One delivery's alerts, each already mapped to its ticket's violation, and the causal links that may
/// place them in an existing incident (effects are the alerts' keys, causes other tickets' keys).
public struct AlertBatch: Sendable {
    public struct Item: Sendable {
        public var alert: ReceivedAlert
        public var violation: Violation

        public init(alert: ReceivedAlert, violation: Violation) {
            self.alert = alert
            self.violation = violation
        }
    }

    public var cluster: String
    public var subject: String
    public var at: Date
    public var items: [Item]
    public var causalLinks: [CausalLink]

    public init(cluster: String, subject: String, at: Date, items: [Item], causalLinks: [CausalLink]) {
        self.cluster = cluster
        self.subject = subject
        self.at = at
        self.items = items
        self.causalLinks = causalLinks
    }
}

/// What one delivery changed: tickets opened, updated, reopened and resolved, incidents touched, and alerts
/// left alone (a `resolved` alert never seen firing has nothing to resolve).
public struct AlertIntakeOutcome: Sendable, Codable, Equatable {
    public var cluster: String
    public var received: Int
    public var opened: [Int64] = []
    public var updated: [Int64] = []
    public var reopened: [Int64] = []
    public var resolved: [Int64] = []
    public var incidents: [Int64] = []
    public var ignored: [String] = []

    public init(cluster: String, received: Int) {
        self.cluster = cluster
        self.received = received
    }

    enum CodingKeys: String, CodingKey {
        case cluster, received, opened, updated, reopened, resolved, incidents, ignored
    }
}
