import Foundation

/// Alertmanager's webhook payload, version "4" (`notify/webhook/webhook.go` `Message` embedding
/// `template.Data`): `version`, `groupKey`, `truncatedAlerts`, `receiver`, `status`, `alerts[]` (`status`,
/// `labels`, `annotations`, `startsAt`, `endsAt`, `generatorURL`, `fingerprint`), `groupLabels`,
/// `commonLabels`, `commonAnnotations`, `externalURL`.
///
/// Read by hand from a `JSONValue` so a bad payload is refused with the exact field named
/// (`alerts[2].labels.alertname`) before anything is written. `operator serve`'s intake answers 400 with it.
public enum AlertmanagerPayload {
    public static let version = "4"
    /// Longest fingerprint accepted (Alertmanager's are 16 hex digits).
    public static let maxFingerprint = 128
    /// Longest alert name accepted (it becomes the ticket's invariant `alert:<alertname>`).
    public static let maxAlertname = 200

    public static func alerts(from data: Data) throws(AlertPayloadError) -> [ReceivedAlert] {
        guard case .object(let body)? = try? JSONDecoder().decode(JSONValue.self, from: data) else {
            throw AlertPayloadError(field: nil, detail: "the body must be one JSON object: Alertmanager's webhook payload (version \"4\")")
        }
        guard let version = body["version"] else { throw missing("version", "a string, \"4\"") }
        guard version.stringValue == Self.version else {
            throw AlertPayloadError(field: "version", "`version` must be \"4\", the webhook payload version of Alertmanager 0.x; got \(describe(version))")
        }
        for field in ["receiver", "status", "externalURL", "groupKey"] {
            if let value = body[field], value.stringValue == nil, value != .null {
                throw AlertPayloadError(field: field, "`\(field)` must be a string; got \(describe(value))")
            }
        }
        for field in ["groupLabels", "commonLabels", "commonAnnotations"] {
            if let value = body[field], value != .null { _ = try strings(value, at: field) }
        }
        if let value = body["truncatedAlerts"], value != .null {
            guard let n = value.doubleValue, n >= 0, n == n.rounded() else {
                throw AlertPayloadError(field: "truncatedAlerts", "`truncatedAlerts` must be a whole number of alerts left out; got \(describe(value))")
            }
        }
        guard let list = body["alerts"] else { throw missing("alerts", "an array of alerts") }
        guard case .array(let items) = list else {
            throw AlertPayloadError(field: "alerts", "`alerts` must be an array of alerts; got \(describe(list))")
        }
        var alerts: [ReceivedAlert] = []
        for (index, item) in items.enumerated() { alerts.append(try alert(item, at: "alerts[\(index)]")) }
        return alerts
    }

    private static func alert(_ value: JSONValue, at path: String) throws(AlertPayloadError) -> ReceivedAlert {
        guard case .object(let fields) = value else {
            throw AlertPayloadError(field: path, "`\(path)` must be an alert object; got \(describe(value))")
        }
        guard let statusValue = fields["status"] else { throw missing("\(path).status", "\"firing\" or \"resolved\"") }
        guard let status = statusValue.stringValue.flatMap(ReceivedAlert.Status.init(rawValue:)) else {
            throw AlertPayloadError(field: "\(path).status", "`\(path).status` must be \"firing\" or \"resolved\"; got \(describe(statusValue))")
        }
        guard let labelsValue = fields["labels"] else { throw missing("\(path).labels", "an object of string labels with `alertname`") }
        let labels = try strings(labelsValue, at: "\(path).labels")
        guard let name = labels["alertname"] else { throw missing("\(path).labels.alertname", "the alert's name") }
        guard !name.isEmpty, name.unicodeScalars.count <= maxAlertname, !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw AlertPayloadError(field: 
                "\(path).labels.alertname", "`\(path).labels.alertname` must be 1 to \(maxAlertname) characters without control characters")
        }
        var annotations: [String: String] = [:]
        if let value = fields["annotations"], value != .null { annotations = try strings(value, at: "\(path).annotations") }
        guard let fingerprintValue = fields["fingerprint"] else { throw missing("\(path).fingerprint", "the alert's fingerprint") }
        guard let fingerprint = fingerprintValue.stringValue, !fingerprint.isEmpty, fingerprint.unicodeScalars.count <= maxFingerprint,
            !fingerprint.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw AlertPayloadError(field: 
                "\(path).fingerprint", "`\(path).fingerprint` must be a string of 1 to \(maxFingerprint) characters; got \(describe(fingerprintValue))")
        }
        let startsAt = try time(fields["startsAt"], at: "\(path).startsAt")
        let endsAt = try time(fields["endsAt"], at: "\(path).endsAt")
        var generatorURL: String?
        if let value = fields["generatorURL"], value != .null {
            guard let text = value.stringValue else {
                throw AlertPayloadError(field: "\(path).generatorURL", "`\(path).generatorURL` must be a string; got \(describe(value))")
            }
            generatorURL = text.isEmpty ? nil : withoutUserinfo(text)
        }
        return ReceivedAlert(
            status: status, labels: labels, annotations: annotations, startsAt: startsAt,
            // Alertmanager sends the zero time (year 1) while an alert fires.
            endsAt: endsAt.flatMap { $0 > Date(timeIntervalSince1970: 0) ? $0 : nil }, generatorURL: generatorURL,
            fingerprint: fingerprint)
    }

    private static func strings(_ value: JSONValue, at path: String) throws(AlertPayloadError) -> [String: String] {
        guard case .object(let object) = value else {
            throw AlertPayloadError(field: path, "`\(path)` must be an object of string values; got \(describe(value))")
        }
        var out: [String: String] = [:]
        for (key, item) in object.sorted(by: { $0.key < $1.key }) {
            guard let text = item.stringValue else {
                throw AlertPayloadError(field: "\(path).\(key.prefix(40))", "`\(path).\(key.prefix(40))` must be a string; got \(describe(item))")
            }
            out[key] = text
        }
        return out
    }

    private static func time(_ value: JSONValue?, at path: String) throws(AlertPayloadError) -> Date? {
        guard let value, value != .null else { return nil }
        guard let text = value.stringValue, let date = Timestamp.parse(text) else {
            throw AlertPayloadError(field: path, "`\(path)` must be an RFC 3339 time such as 2026-11-23T07:05:16.295Z; got \(describe(value))")
        }
        return date
    }

    private static func missing(_ path: String, _ what: String) -> AlertPayloadError {
        AlertPayloadError(field: path, "the payload needs `\(path)` (\(what)); is this Alertmanager's webhook (version \"4\")?")
    }

    /// A short, safe rendering of what was sent instead.
    private static func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string(let s): return "`\(s.prefix(40))`"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    /// A URL without its userinfo: a password in a generator URL never reaches the database.
    public static func withoutUserinfo(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.user != nil || components.password != nil else { return text }
        components.user = nil
        components.password = nil
        return components.string ?? text
    }
}

/// A webhook payload that is not Alertmanager's: the field at fault (nil when the body is not a JSON object at
/// all) and what it should be.
public struct AlertPayloadError: Error, Sendable, CustomStringConvertible {
    public var field: String?
    public var detail: String

    public init(field: String?, detail: String) {
        self.field = field
        self.detail = detail
    }

    init(field: String, _ detail: String) {
        self.init(field: Optional(field), detail: detail)
    }

    public var description: String { detail }
}
