import OperatorCore

/// The fast way through a large log when only its events matter (`operator bench logs`, a search for a
/// few kinds): each line's bytes are checked against the catalogue first, and only a line that can be a
/// wanted event is decoded (time, level, fields, the event) by ``TiKVLogParser/parse(lineBytes:)``.
///
/// What it finds is exactly what `parse(lineBytes:)` finds: the same events, with the same fields, for the
/// same lines (`TiKVLogEventScanTests` compares both over generated and corrupted logs). The difference is
/// what it does not look at: a line shaped like the unified format (`[time] [LEVEL] [source] [message]`,
/// a known level) whose message is in no catalogue pattern is `.ignored` without checking its time and
/// fields, where the full parse would call a malformed one unparseable. Lines of another shape (JSON,
/// garbage, binary, a cut header) are parsed in full, so they are still reported with their reason.
extension TiKVLogParser {
    /// One line's result, decoding only what can be an event of a `wanted` kind (`nil`: every kind).
    public func scan(lineBytes bytes: UnsafeBufferPointer<UInt8>, wanted: Set<TiKVLogEventKind>? = nil) -> LogLineResult {
        let line = Self.trimmingTrailingSpace(bytes)
        // The start is filled in only for a candidate: the common answer stays one byte wide.
        var known: UnifiedLineStart?
        switch Self.prefilter(line, start: &known) {
        case .notAnEvent:
            return .ignored
        case .candidate:
            guard let known else { return only(wanted, parse(lineBytes: bytes)) }
            if let wanted, !wanted.contains(known.kind) { return .ignored }
            // Bytes that are not UTF-8 are decoded first, as the full parse does.
            guard LogText.isValidUTF8(line) else { return only(wanted, parse(lineBytes: bytes)) }
            return parseUnified(line, known: known)
        case .decode:
            return only(wanted, parse(lineBytes: bytes))
        }
    }

    /// The result, or `.ignored` for an event of a kind not `wanted`.
    private func only(_ wanted: Set<TiKVLogEventKind>?, _ result: LogLineResult) -> LogLineResult {
        guard let wanted, case .event(let event) = result else { return result }
        return TiKVLogEventKind(rawValue: event.kind).map { wanted.contains($0) } ?? false ? result : .ignored
    }

    /// What the raw bytes say about a line before anything is decoded.
    enum Prefilter {
        /// Unified-format shape, and neither its message nor a WARN `takes` field is in the catalogue.
        case notAnEvent
        /// The message (or a WARN `takes` field) matches the catalogue; the header, level and match are
        /// kept (in `start`) for the parse, which checks the time and fields and builds the event.
        case candidate
        /// Not the plain unified shape (JSON, garbage, a bad escape or level): only the full parse can say.
        case decode
    }

    /// Decides on the bytes of a line without trailing spaces: memchr over the three bracketed header
    /// parts and the message, then the catalogue's byte match (a length table, a few prefixes, memchr and
    /// memcmp). Every line the full parse turns into an event is `.candidate` or `.decode`: the
    /// catalogue's patterns are ASCII, and bytes that are not UTF-8 (which the full parse decodes to U+FFFD
    /// first) neither create nor split an ASCII run.
    static func prefilter(_ bytes: UnsafeBufferPointer<UInt8>, start: inout UnifiedLineStart?) -> Prefilter {
        guard bytes.first == UInt8(ascii: "[") else { return .decode }
        let scanner = UnifiedLogScanner(bytes: bytes)
        guard let header = try? scanner.header(), let level = level(bytes[header.level]) else { return .decode }
        let message = UnsafeBufferPointer(rebasing: bytes[header.message.range])
        if header.message.escaped {
            switch TiKVLogCatalogue.mayMatchEscaped(message) ? matchEscaped(message) : .noMatch {
            case .invalidEscape: return .decode
            case .noMatch: break
            case .match(let match, let text):
                start = UnifiedLineStart(header: header, level: level, match: match, decodedMessage: text)
                return .candidate
            }
        } else if let match = TiKVLogCatalogue.match(bytes: message) {
            start = UnifiedLineStart(header: header, level: level, match: match)
            return .candidate
        }
        // A WARN slow log names its cost in a `takes` field (§3.1/§3.4), raw or quoted but never escaped
        // (the full parse compares the key's bytes as written), so the five bytes are on the line.
        if level == "warn", TiKVLogCatalogue.contains(UnsafeBufferPointer(rebasing: bytes[header.fieldsStart...]), takesKey) {
            // The parse trusts the start: an escaped message skipped above is checked for a bad escape now.
            if header.message.escaped, case .invalidEscape = matchEscaped(message) { return .decode }
            start = UnifiedLineStart(header: header, level: level, match: nil)
            return .candidate
        }
        return .notAnEvent
    }

    private static let takesKey: [UInt8] = Array("takes".utf8)
}

extension TiKVLogParser.UnifiedLineStart {
    /// The kind the line would be: its message's, or a slow operation (a WARN line with `takes`).
    var kind: TiKVLogEventKind { match?.kind ?? .slowOperation }
}
