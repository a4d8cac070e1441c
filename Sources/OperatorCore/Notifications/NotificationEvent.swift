import Foundation

/// An incident change that people are told about. Each one is an outbox row per subscribed receiver,
/// written in the same transaction as the change.
public enum NotificationEvent: String, Codable, Sendable, CaseIterable, Comparable {
    case opened, reopened, diagnosed, resolved

    /// The timeline kinds that notify; a ticket-level event or any other kind does not.
    public init?(timelineKind: TimelineEvent.Kind) {
        switch timelineKind {
        case .opened: self = .opened
        case .reopened: self = .reopened
        case .diagnosed: self = .diagnosed
        case .resolved, .manuallyResolved: self = .resolved
        default: return nil
        }
    }

    /// An incident's life order: opened, reopened, diagnosed, resolved.
    private var rank: Int {
        switch self {
        case .opened: 0
        case .reopened: 1
        case .diagnosed: 2
        case .resolved: 3
        }
    }

    public static func < (a: NotificationEvent, b: NotificationEvent) -> Bool { a.rank < b.rank }
}

/// A receiver as the database knows it: its name and the events it subscribed to (`on:` in operator.yaml).
/// Written by the process that delivers, read by every process that changes incidents, so a change made
/// by `operator incidents resolve` is queued for the same receivers as one made by the monitor.
public struct NotificationRoute: Sendable, Equatable {
    public var receiver: String
    public var events: Set<NotificationEvent>

    public init(receiver: String, events: Set<NotificationEvent>) {
        self.receiver = receiver
        self.events = events
    }
}
