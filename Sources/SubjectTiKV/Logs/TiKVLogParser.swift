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

    /// The bytes as read: well-formed UTF-8 (nearly every line) is parsed in place, and a line that is not
    /// decoded first, as ``parse(line:)`` would see it, so both give the same result.
    public func parse(lineBytes: UnsafeBufferPointer<UInt8>) -> LogLineResult {
        guard LogText.isValidUTF8(lineBytes) else {
            return parse(line: Substring(String(decoding: lineBytes, as: UTF8.self)))
        }
        return parse(bytes: lineBytes)
    }

    func parse(bytes: UnsafeBufferPointer<UInt8>) -> LogLineResult {
        let line = Self.trimmingTrailingSpace(bytes)
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

    /// The line without trailing spaces, tabs and carriage returns.
    static func trimmingTrailingSpace(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        var end = bytes.count
        while end > 0, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 || bytes[end - 1] == 0x0D { end -= 1 }
        return UnsafeBufferPointer(rebasing: bytes[..<end])
    }

    // MARK: - Unified text format (tikv-interfaces.md §3.1)

    /// What the scan already read of a line (``TiKVLogParser/prefilter(_:)``): its header, its level and
    /// its message's catalogue match, which the parse then need not read again.
    struct UnifiedLineStart {
        var header: UnifiedLogScanner.Header
        var level: String
        var match: TiKVLogCatalogue.Match?
        var decodedMessage: String?
    }

    /// Parses a trimmed unified-format line; `known` is what a scan of the same bytes found (a valid
    /// header, a known level, no invalid escape in the message), in which case only the time is checked
    /// before the fields, as it is here in that order.
    func parseUnified(_ line: UnsafeBufferPointer<UInt8>, known: UnifiedLineStart? = nil) -> LogLineResult {
        let scanner = UnifiedLogScanner(bytes: line)
        let header: UnifiedLogScanner.Header
        if let known {
            header = known.header
        } else {
            do {
                header = try scanner.header()
            } catch {
                return .unparseable(reason: error.reason + LogText.binaryNote(line))
            }
        }
        guard let time = TiKVLogTime.parse(line[header.time]) else {
            return .unparseable(reason: Self.badTimeReason(line[header.time]))
        }
        let level: String
        if let known {
            level = known.level
        } else {
            guard let read = Self.level(line[header.level]) else {
                return .unparseable(
                    reason: "unknown level \(LogText.quoted(line[header.level])); expected TRACE, DEBUG, INFO, WARN, "
                        + "ERROR or FATAL")
            }
            level = read
        }
        // Most messages need no decoding, and a `String` is only built for events.
        var decodedMessage: String?
        let match: TiKVLogCatalogue.Match?
        let messageBytes = UnsafeBufferPointer(rebasing: line[header.message.range])
        if let known {
            match = known.match
            decodedMessage = known.decodedMessage
        } else if header.message.escaped {
            switch Self.matchEscaped(messageBytes) {
            case .invalidEscape: return .unparseable(reason: "the quoted message has an invalid escape sequence")
            case .noMatch: match = nil
            case .match(let found, let text):
                match = found
                decodedMessage = text
            }
        } else {
            match = TiKVLogCatalogue.match(bytes: messageBytes)
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
        fields.reserveCapacity(12)
        var sources = TiKVLogFieldSources()
        var badEscape = false
        do {
            try scanner.forEachField(from: header.fieldsStart) { field in
                guard let key = scanner.string(field.key), let value = scanner.string(field.value) else {
                    badEscape = true
                    return
                }
                // Record fields come before the logger's context, so the first of a repeated key wins
                // (one hash on the common path: put the first back only when a key repeats).
                if let first = fields.updateValue(value, forKey: key) {
                    fields[key] = first
                } else {
                    sources.note(
                        key: UnsafeBufferPointer(rebasing: line[field.key.range]), escaped: field.key.escaped, value: value)
                }
            }
        } catch {
            return .unparseable(reason: error.reason)
        }
        if badEscape { return .unparseable(reason: Self.badFieldEscapeReason) }
        if !sources.isComplete { sources = TiKVLogFieldSources(fields) }
        let message = decodedMessage ?? String(decoding: messageBytes, as: UTF8.self)
        let sourceText = String(decoding: UnsafeBufferPointer(rebasing: line[header.source]), as: UTF8.self)
        return .event(
            Self.makeEvent(
                time: time, level: level, message: message, source: sourceText, fields: &fields, sources: sources,
                match: match ?? .init(kind: .slowOperation)))
    }

    static func badTimeReason(_ time: Slice<UnsafeBufferPointer<UInt8>>) -> String {
        "timestamp \(LogText.quoted(time)) is not " + TiKVLogTime.expectedFormat
    }

    static let badFieldEscapeReason = "a quoted field has an invalid escape sequence"

    /// What an escaped message decodes to, as far as the catalogue cares.
    enum EscapedMessage {
        case invalidEscape
        case noMatch
        case match(TiKVLogCatalogue.Match, String)
    }

    /// Decodes into scratch memory and matches the decoded bytes; text is kept only for an event.
    static func matchEscaped(_ bytes: UnsafeBufferPointer<UInt8>) -> EscapedMessage {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(1, bytes.count)) { scratch in
            guard let count = JSONStringUnescaper.unescape(bytes, into: scratch) else { return .invalidEscape }
            let decoded = UnsafeBufferPointer(rebasing: scratch[..<count])
            guard let match = TiKVLogCatalogue.match(bytes: decoded) else { return .noMatch }
            return .match(match, String(decoding: decoded, as: UTF8.self))
        }
    }

    /// The level in lower case, from the bytes (no text built for the line).
    static func level(_ text: Slice<UnsafeBufferPointer<UInt8>>) -> String? {
        let b = UnsafeBufferPointer(rebasing: text)
        switch b.count {
        case 4:
            switch (b[0], b[1], b[2], b[3]) {
            case (0x49, 0x4E, 0x46, 0x4F): return "info"  // INFO
            case (0x57, 0x41, 0x52, 0x4E): return "warn"  // WARN
            default: return nil
            }
        case 5:
            switch (b[0], b[1], b[2], b[3], b[4]) {
            case (0x45, 0x52, 0x52, 0x4F, 0x52): return "error"  // ERROR
            case (0x44, 0x45, 0x42, 0x55, 0x47): return "debug"  // DEBUG
            case (0x54, 0x52, 0x41, 0x43, 0x45): return "trace"  // TRACE
            case (0x46, 0x41, 0x54, 0x41, 0x4C): return "fatal"  // FATAL
            default: return nil
            }
        default: return nil
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
                time: time, level: level, message: message, source: object["caller"] as? String, fields: &fields,
                sources: TiKVLogFieldSources(fields), match: match))
    }

    private static func level(_ text: String) -> String? {
        var text = text
        return text.withUTF8 { level($0[...]) }
    }

    // MARK: - Events

    /// Builds the event; `sources` are the line's own values of the fields read here (first of each key),
    /// and the duration is read from `takes`, `duration`, `time_takes`, `total_lifetime`, `spend`, first
    /// found wins.
    static func makeEvent(
        time: Date, level: String, message: String, source: String?, fields: inout [String: String],
        sources: TiKVLogFieldSources, match: TiKVLogCatalogue.Match
    ) -> LogEvent {
        // `inout`: the line's dictionary gets the normalised fields in place, never copied. Everything is
        // read from the line's own fields (`sources`) before the normalised ones are added (whose names
        // are not among the keys read), and a normalised field is set only when the line lacks it.
        let storeID = sources.storeID ?? sources.storeIDDashed
        let duration = sources.durationMilliseconds()
        if sources.regionID == nil, let regionID = sources.regionIDDashed ?? match.regionID {
            fields["region_id"] = regionID
        }
        if let storeID, sources.storeID == nil { fields["store_id"] = storeID }
        if sources.peerID == nil, let peerID = sources.raftID ?? match.peerID { fields["peer_id"] = peerID }
        if sources.term == nil, let term = match.term { fields["term"] = term }
        if let duration { fields["duration_ms"] = duration }
        // Only a plain numeric store id names an entity: the text is untrusted.
        let entity = storeID.flatMap { TiKVLogCatalogue.isDigits(Substring($0)) ? Entity(kind: "store", id: $0) : nil }
        return LogEvent(
            time: time, level: level, kind: match.kind.rawValue, entity: entity, message: message, fields: fields,
            source: source == "<unknown>" ? nil : source)
    }
}
