import Foundation
import OperatorCore

/// Reads etcd log lines into catalogue events (``EtcdLogEventKind``): zap JSON lines
/// (`{"level":"warn","ts":"…","caller":"…","msg":"…",…}`) and the plain capnslog lines etcd 3.4 mixes
/// into the same stream (`2026-11-23 07:06:24.242781 W | etcdserver/api/etcdhttp: /health error; …`,
/// etcd-prometheus-observed.md §A). gRPC's own `WARNING: 2026/11/23 …` lines are recognised and ignored.
///
/// Member ids appear in hex; each event keeps them as fields (`member_id_hex`, `leader_id_hex`,
/// `local_member_id_hex`, `peer_id_hex`, `candidate_id_hex`). The entity is `member:<name>` when
/// ``memberNames`` knows the id, else `member:<hex-id>`; the subject, which knows the member list,
/// passes the names. Levels come out lower case (`warn`; capnslog `N` notice reads as `info`, `C` as
/// `fatal`, zap `dpanic` as `error`), durations as `duration_ms`.
public struct EtcdLogParser: ClusterLogParser {
    /// Member names by hex id (`d4840de1ab8e89f9` → `e3`).
    public var memberNames: [String: String]
    /// capnslog writes local time with no zone; this is the offset to read it in (0: UTC).
    public var capnslogUTCOffsetSeconds: Int

    public init(memberNames: [String: String] = [:], capnslogUTCOffsetSeconds: Int = 0) {
        self.memberNames = Dictionary(memberNames.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
        self.capnslogUTCOffsetSeconds = capnslogUTCOffsetSeconds
    }

    /// Every kind this parser can report, for listings and documentation.
    public static var eventKinds: [String] { EtcdLogEventKind.allCases.map(\.rawValue) }

    public func parse(line: Substring) -> LogLineResult {
        var text = line
        while let last = text.last, last == " " || last == "\t" || last == "\r" { text.removeLast() }
        guard let first = text.utf8.first else { return .unparseable(reason: "empty line") }
        if first == UInt8(ascii: "{") { return parseZap(text) }
        if let result = parseCapnslog(text) { return result }
        if Self.isGRPCLogLine(text) { return .ignored }
        var bytes = text
        let note = bytes.withUTF8 { LogText.binaryNote($0) }
        return .unparseable(
            reason: "not an etcd log line: expected a zap JSON object ('{') or a capnslog line "
                + "(\"YYYY-MM-DD HH:MM:SS.ffffff L | package: message\")" + note)
    }

    // MARK: - zap JSON

    private func parseZap(_ text: Substring) -> LogLineResult {
        let object: [String: Any]
        do {
            guard let parsed = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
                return .unparseable(reason: "zap log line is not a JSON object")
            }
            object = parsed
        } catch {
            return .unparseable(reason: "starts with '{' but is not valid JSON (truncated line?): " + LogText.jsonError(error))
        }
        guard let levelText = object["level"] as? String, let level = Self.zapLevel(levelText) else {
            return .unparseable(
                reason: "zap log line has no \"level\" among debug, info, warn, error, dpanic, panic, fatal")
        }
        guard let message = object["msg"] as? String else {
            return .unparseable(reason: "zap log line has no \"msg\" string")
        }
        var time: Date?
        switch object["ts"] {
        case let ts as String:
            guard let date = Timestamp.parse(ts) else {
                return .unparseable(reason: "\"ts\" \(LogText.quoted(ts)) is not an RFC 3339 time")
            }
            time = date
        case let ts as NSNumber:
            // zap's default epoch encoder: seconds as a float.
            time = Date(timeIntervalSince1970: ts.doubleValue)
        default:
            time = nil
        }
        var fields: [String: String] = [:]
        for (key, value) in object where key != "level" && key != "ts" && key != "msg" && key != "caller" {
            fields[key] = LogText.jsonScalarText(value)
        }
        guard let match = EtcdLogCatalogue.match(message: message, fields: fields) else { return .ignored }
        return .event(
            makeEvent(
                time: time, level: level, message: message, source: object["caller"] as? String, fields: fields,
                match: match))
    }

    private static func zapLevel(_ text: String) -> String? {
        switch text {
        case "debug", "info", "warn", "error", "fatal": text
        case "dpanic": "error"
        case "panic": "fatal"
        default: nil
        }
    }

    // MARK: - capnslog

    /// `2026-11-23 07:06:24.242781 W | etcdserver/api/etcdhttp: message`, or the same without the date
    /// and time (capnslog under journald). `nil` when the line is not in this shape at all.
    private func parseCapnslog(_ text: Substring) -> LogLineResult? {
        var rest = text
        var time: Date?
        if let f = rest.utf8.first, f >= 0x30, f <= 0x39 {
            // Date, space, time, space.
            let parts = rest.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0].utf8.count == 10, parts[0].contains("-") else { return nil }
            guard let local = Timestamp.parse("\(parts[0]) \(parts[1])Z") else {
                return .unparseable(
                    reason: "capnslog time \(LogText.quoted("\(parts[0]) \(parts[1])")) is not "
                        + "YYYY-MM-DD HH:MM:SS.ffffff")
            }
            time = local.addingTimeInterval(-Double(capnslogUTCOffsetSeconds))
            rest = parts[2]
        }
        // "W | package: message"
        let u = Array(rest.utf8.prefix(4))
        guard u.count == 4, u[1] == 0x20, u[2] == UInt8(ascii: "|"), u[3] == 0x20 else {
            return time == nil ? nil : .unparseable(reason: "capnslog line has no \"L | \" level marker after the time")
        }
        guard let level = Self.capnslogLevel(u[0]) else {
            return .unparseable(
                reason: "unknown capnslog level \(LogText.quoted(String(rest.prefix(1)))); expected one of "
                    + "T D I N W E C")
        }
        let body = rest.dropFirst(4)
        var package: String?
        var message = body
        if let colon = body.range(of: ": "), !body[..<colon.lowerBound].contains(" ") {
            package = String(body[..<colon.lowerBound])
            message = body[colon.upperBound...]
        }
        let text = String(message)
        guard let match = EtcdLogCatalogue.match(message: text, fields: [:]) else { return .ignored }
        return .event(makeEvent(time: time, level: level, message: text, source: package, fields: [:], match: match))
    }

    private static func capnslogLevel(_ letter: UInt8) -> String? {
        switch letter {
        case UInt8(ascii: "T"): "trace"
        case UInt8(ascii: "D"): "debug"
        case UInt8(ascii: "I"), UInt8(ascii: "N"): "info"
        case UInt8(ascii: "W"): "warn"
        case UInt8(ascii: "E"): "error"
        case UInt8(ascii: "C"): "fatal"
        default: nil
        }
    }

    /// gRPC-go's logger, which etcd 3.4 lets write to stderr: `WARNING: 2026/11/23 07:06:24 grpc: …`.
    private static func isGRPCLogLine(_ text: Substring) -> Bool {
        for prefix in ["INFO: ", "WARNING: ", "ERROR: "] where text.hasPrefix(prefix) {
            let date = text.dropFirst(prefix.count).prefix(10)
            return date.utf8.count == 10 && date.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2F }
        }
        return false
    }

    // MARK: - Events

    private func makeEvent(
        time: Date?, level: String, message: String, source: String?, fields original: [String: String],
        match: EtcdLogCatalogue.Match
    ) -> LogEvent {
        var fields = original
        for (key, value) in match.fields { fields[key] = value }
        if let local = original["local-member-id"].flatMap(EtcdLogCatalogue.hexID) {
            fields["local_member_id_hex"] = local
        }
        var entity: Entity?
        if let hex = match.memberHex {
            fields["member_id_hex"] = hex
            if let name = memberNames[hex] {
                fields["member"] = name
                entity = Entity(kind: "member", id: name)
            } else {
                entity = Entity(kind: "member", id: hex)
            }
        }
        if let took = match.took, let ms = EtcdLogText.milliseconds(took) {
            fields["duration_ms"] = LogText.format(milliseconds: ms)
        }
        return LogEvent(
            time: time, level: level, kind: match.kind.rawValue, entity: entity, message: message, fields: fields,
            source: source)
    }
}
