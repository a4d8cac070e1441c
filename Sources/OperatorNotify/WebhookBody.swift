import Foundation
import OperatorCore

/// What the `webhook` receiver posts: the event, its idempotency key, the incident as it is now and its
/// latest diagnosis (null before one).
struct WebhookBody: Encodable {
    var idempotencyKey: String
    var event: NotificationEvent
    var sequence: Int64
    var incident: Incident
    var diagnosis: Diagnosis?
    var consoleURL: String?

    init(_ payload: NotificationPayload) {
        idempotencyKey = payload.notification.idempotencyKey
        event = payload.notification.event
        sequence = payload.notification.sequence
        incident = payload.incident
        diagnosis = payload.incident.diagnosis
        consoleURL = payload.consoleURL
    }

    enum CodingKeys: String, CodingKey {
        case idempotencyKey = "idempotency_key"
        case event, sequence, incident, diagnosis
        case consoleURL = "console_url"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(idempotencyKey, forKey: .idempotencyKey)
        try c.encode(event, forKey: .event)
        try c.encode(sequence, forKey: .sequence)
        try c.encode(incident, forKey: .incident)
        // Explicit null: a receiver reads "not diagnosed yet", not a missing field.
        try c.encode(diagnosis, forKey: .diagnosis)
        try c.encode(consoleURL, forKey: .consoleURL)
    }
}
