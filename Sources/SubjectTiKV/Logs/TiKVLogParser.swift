import Foundation
import OperatorCore

/// Reads TiKV and PD log lines, in the unified text format or its JSON variant, into catalogue events
/// (``TiKVLogEventKind``). Lines are untrusted: nothing here throws or traps on them.
///
/// Each event carries the time (with the line's offset applied), the level in lower case, the kind,
/// `store:<id>` as entity when the line names a store, the message, every field of the line and these
/// normalised fields when known: `region_id`, `store_id`, `peer_id` (TiKV's `raft_id` is the peer id),
/// `term`, `duration_ms` (from `takes`, `duration`, `time_takes`, `total_lifetime` or `spend`).
public struct TiKVLogParser: ClusterLogParser {
    public init() {}

    /// Every kind this parser can report, for listings and documentation.
    public static var eventKinds: [String] { TiKVLogEventKind.allCases.map(\.rawValue) }

    public func parse(line: Substring) -> LogLineResult {
        var line = line
        return line.withUTF8 { parse(bytes: $0) }
    }

    func parse(bytes: UnsafeBufferPointer<UInt8>) -> LogLineResult {
        var end = bytes.count
        while end > 0, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 || bytes[end - 1] == 0x0D { end -= 1 }
        let line = UnsafeBufferPointer(rebasing: bytes[..<end])
        guard let first = line.first else { return .unparseable(reason: "empty line") }
        switch first {
        case UInt8(ascii: "["): return parseUnified(line)
        case UInt8(ascii: "{"): return parseJSON(line)
        default:
            return .unparseable(
                reason: "not a TiKV/PD log line: expected '[' (unified format) or '{' (JSON format) at column 1"
                    + LogText.binaryNote(line))
        }
    }

    // MARK: - Unified text format (tikv-interfaces.md §3.1)

    private func parseUnified(_ line: UnsafeBufferPointer<UInt8>) -> LogLineResult {
        let scanner = UnifiedLogScanner(bytes: line)
        let header: UnifiedLogScanner.Header
        do {
            header = try scanner.header()
        } catch {
            return .unparseable(reason: error.reason + LogText.binaryNote(line))
        }
        guard let time = TiKVLogTime.parse(line[header.time]) else {
            return .unparseable(
                reason: "timestamp \(LogText.quoted(line[header.time])) is not "
                    + TiKVLogTime.expectedFormat)
        }
        guard let level = Self.level(line[header.level]) else {
            return .unparseable(
                reason: "unknown level \(LogText.quoted(line[header.level])); expected TRACE, DEBUG, INFO, WARN, "
                    + "ERROR or FATAL")
        }
        // Most messages need no decoding; a `String` is only built for events.
        var decodedMessage: String?
        let match: TiKVLogCatalogue.Match?
        if header.message.escaped {
            guard let decoded = scanner.string(header.message) else {
                return .unparseable(reason: "the quoted message has an invalid escape sequence")
            }
            decodedMessage = decoded
            match = TiKVLogCatalogue.match(message: decoded)
        } else {
            match = TiKVLogCatalogue.match(bytes: UnsafeBufferPointer(rebasing: line[header.message.range]))
        }
        if match == nil {
            // Not in the catalogue unless it is a WARN slow log (`[takes=<ms>]`, §3.1/§3.4); either way the
            // fields must be well-formed for the line to count as a log line at all.
            var hasTakes = false
            do {
                try scanner.forEachField(from: header.fieldsStart) { field in
                    if scanner.token(field.key, equals: "takes") { hasTakes = true }
                }
            } catch {
                return .unparseable(reason: error.reason)
            }
            guard hasTakes, level == "warn" else { return .ignored }
        }
        var fields: [String: String] = [:]
        var badEscape = false
        do {
            try scanner.forEachField(from: header.fieldsStart) { field in
                guard let key = scanner.string(field.key), let value = scanner.string(field.value) else {
                    badEscape = true
                    return
                }
                // Record fields come before the logger's context, so the first of a repeated key wins.
                if fields[key] == nil { fields[key] = value }
            }
        } catch {
            return .unparseable(reason: error.reason)
        }
        if badEscape { return .unparseable(reason: "a quoted field has an invalid escape sequence") }
        let message =
            decodedMessage ?? String(decoding: UnsafeBufferPointer(rebasing: line[header.message.range]), as: UTF8.self)
        let sourceText = String(decoding: UnsafeBufferPointer(rebasing: line[header.source]), as: UTF8.self)
        return .event(
            Self.makeEvent(
                time: time, level: level, message: message, source: sourceText, fields: fields,
                match: match ?? .init(kind: .slowOperation)))
    }

    private static func level(_ text: Slice<UnsafeBufferPointer<UInt8>>) -> String? {
        switch String(decoding: UnsafeBufferPointer(rebasing: text), as: UTF8.self) {
        case "INFO": "info"
        case "WARN": "warn"
        case "ERROR": "error"
        case "DEBUG": "debug"
        case "TRACE": "trace"
        case "FATAL": "fatal"
        default: nil
        }
    }

    // MARK: - JSON variant (`log.format = "json"`, tikv-interfaces.md §3.1)

    private func parseJSON(_ line: UnsafeBufferPointer<UInt8>) -> LogLineResult {
        let object: [String: Any]
        do {
            guard let parsed = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                return .unparseable(reason: "JSON log line is not an object")
            }
            object = parsed
        } catch {
            return .unparseable(reason: "starts with '{' but is not valid JSON (truncated line?): " + LogText.jsonError(error))
        }
        guard let timeText = object["time"] as? String else {
            return .unparseable(reason: "JSON log line has no \"time\" string")
        }
        guard let time = TiKVLogTime.parse(timeText) else {
            return .unparseable(
                reason: "\"time\" \(LogText.quoted(timeText)) is not \(TiKVLogTime.expectedFormat)")
        }
        guard let levelText = object["level"] as? String, let level = Self.level(levelText) else {
            return .unparseable(reason: "JSON log line has no \"level\" among TRACE, DEBUG, INFO, WARN, ERROR, FATAL")
        }
        guard let message = object["message"] as? String else {
            return .unparseable(reason: "JSON log line has no \"message\" string")
        }
        var fields: [String: String] = [:]
        for (key, value) in object where key != "time" && key != "level" && key != "caller" && key != "message" {
            fields[key] = LogText.jsonScalarText(value)
        }
        var match = TiKVLogCatalogue.match(message: message)
        if match == nil, level == "warn", fields["takes"] != nil { match = .init(kind: .slowOperation) }
        guard let match else { return .ignored }
        return .event(
            Self.makeEvent(
                time: time, level: level, message: message, source: object["caller"] as? String, fields: fields,
                match: match))
    }

    private static func level(_ text: String) -> String? {
        var text = text
        return text.withUTF8 { level($0[...]) }
    }

    // MARK: - Events

    static func makeEvent(
        time: Date, level: String, message: String, source: String?, fields original: [String: String],
        match: TiKVLogCatalogue.Match
    ) -> LogEvent {
        var fields = original
        let regionID = original["region_id"] ?? original["region-id"] ?? match.regionID
        let storeID = original["store_id"] ?? original["store-id"]
        let peerID = original["peer_id"] ?? original["raft_id"] ?? match.peerID
        let term = original["term"] ?? match.term
        if let regionID { fields["region_id"] = regionID }
        if let storeID { fields["store_id"] = storeID }
        if let peerID { fields["peer_id"] = peerID }
        if let term { fields["term"] = term }
        for key in ["takes", "duration", "time_takes", "total_lifetime", "spend"] {
            if let text = original[key], let ms = LogLineText.milliseconds(text) {
                fields["duration_ms"] = LogText.format(milliseconds: ms)
                break
            }
        }
        // Only a plain numeric store id names an entity: the text is untrusted.
        let entity = storeID.flatMap { TiKVLogCatalogue.isDigits(Substring($0)) ? Entity(kind: "store", id: $0) : nil }
        return LogEvent(
            time: time, level: level, kind: match.kind.rawValue, entity: entity, message: message, fields: fields,
            source: source == "<unknown>" ? nil : source)
    }
}
