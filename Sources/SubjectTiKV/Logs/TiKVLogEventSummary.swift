import Foundation
import OperatorCore

/// What a scan for events needs of one: its time, level, kind, store and the normalised ids and duration,
/// without the line's other fields, its message or its source. Each value is the one the full parse's
/// ``LogEvent`` carries (`fields["region_id"]`, …), so a summary equals ``init(_:)`` of that event
/// (`TiKVLogEventScanTests` and `FuzzTiKVLogLine` check it line by line).
///
/// Why it exists: building a full event (a `String` for every key, value, message and source, and a
/// dictionary of a dozen fields) was half the time of `operator bench logs`' scan, on 15 % of its lines.
/// Ids and durations are short enough for Swift's inline strings, so a summary allocates nothing.
public struct TiKVLogEventSummary: Sendable, Equatable {
    public var time: Date?
    public var level: String
    public var kind: String
    /// `store:<id>` for a line with a numeric store id, as ``LogEvent/entity``.
    public var entity: Entity?
    public var storeID: String?
    public var regionID: String?
    public var peerID: String?
    public var term: String?
    public var durationMilliseconds: String?

    /// The summary of a fully parsed event.
    public init(_ event: LogEvent) {
        time = event.time
        level = event.level
        kind = event.kind
        entity = event.entity
        storeID = event.fields["store_id"]
        regionID = event.fields["region_id"]
        peerID = event.fields["peer_id"]
        term = event.fields["term"]
        durationMilliseconds = event.fields["duration_ms"]
    }

    /// The values ``TiKVLogParser/makeEvent`` puts in an event's fields, from the same sources in the
    /// same order of preference.
    init(time: Date, level: String, sources: TiKVLogFieldSources, match: TiKVLogCatalogue.Match) {
        self.time = time
        self.level = level
        kind = match.kind.rawValue
        storeID = sources.storeID ?? sources.storeIDDashed
        regionID = sources.regionID ?? sources.regionIDDashed ?? match.regionID
        peerID = sources.peerID ?? sources.raftID ?? match.peerID
        term = sources.term ?? match.term
        durationMilliseconds = sources.durationMilliseconds() ?? sources.durationMillisecondsField
        entity = storeID.flatMap { TiKVLogCatalogue.isDigits(Substring($0)) ? Entity(kind: "store", id: $0) : nil }
    }
}

/// One line's result from ``TiKVLogParser/summarize(lineBytes:wanted:)``.
public enum TiKVLogScanResult: Sendable, Equatable {
    case event(TiKVLogEventSummary)
    case ignored
    case unparseable(reason: String)

    /// The summary of a full result.
    public init(_ result: LogLineResult) {
        switch result {
        case .event(let event): self = .event(TiKVLogEventSummary(event))
        case .ignored: self = .ignored
        case .unparseable(let reason): self = .unparseable(reason: reason)
        }
    }
}

extension TiKVLogParser {
    /// ``scan(lineBytes:wanted:)`` reporting each event as its summary: the same lines are events,
    /// ignored or unparseable (with the same reason), and a candidate line's fields are walked once for
    /// their syntax, their escapes and the few keys a summary reads, decoding only those values.
    /// A line the fast path cannot read alone (another shape, bytes that are not UTF-8, an escaped key)
    /// goes through the full parse and is summarised from its event.
    public func summarize(lineBytes bytes: UnsafeBufferPointer<UInt8>, wanted: Set<TiKVLogEventKind>? = nil)
        -> TiKVLogScanResult
    {
        let line = Self.trimmingTrailingSpace(bytes)
        var known: UnifiedLineStart?
        switch Self.prefilter(line, start: &known) {
        case .notAnEvent:
            return .ignored
        case .candidate:
            guard let known, LogText.isValidUTF8(line) else {
                return TiKVLogScanResult(scan(lineBytes: bytes, wanted: wanted))
            }
            if let wanted, !wanted.contains(known.kind) { return .ignored }
            return summarizeUnified(line, known: known)
        case .decode:
            return TiKVLogScanResult(scan(lineBytes: bytes, wanted: wanted))
        }
    }

    /// ``parseUnified(_:known:)``'s checks in its order (time, field syntax, `takes` for a slow log,
    /// escapes), building only the summary.
    private func summarizeUnified(_ line: UnsafeBufferPointer<UInt8>, known: UnifiedLineStart) -> TiKVLogScanResult {
        let scanner = UnifiedLogScanner(bytes: line)
        guard let time = TiKVLogTime.parse(line[known.header.time]) else {
            return .unparseable(reason: Self.badTimeReason(line[known.header.time]))
        }
        var sources = TiKVLogFieldSources()
        var hasTakes = false, badEscape = false, escapedKey = false
        do {
            try scanner.forEachField(from: known.header.fieldsStart) { field in
                if field.key.escaped {
                    escapedKey = true
                    return
                }
                if scanner.token(field.key, equals: "takes") { hasTakes = true }
                if let slot = TiKVLogFieldSources.slot(of: UnsafeBufferPointer(rebasing: line[field.key.range])) {
                    guard let value = scanner.string(field.value) else {
                        badEscape = true
                        return
                    }
                    sources.fill(slot, with: value)
                } else if field.value.escaped, !scanner.isValidEscape(field.value) {
                    badEscape = true
                }
            }
        } catch {
            return .unparseable(reason: error.reason)
        }
        // An escaped key may decode to a name read here (or to `takes`): the full parse decides.
        if escapedKey { return TiKVLogScanResult(parseUnified(line, known: known)) }
        if known.match == nil && !(hasTakes && known.level == "warn") { return .ignored }
        if badEscape { return .unparseable(reason: Self.badFieldEscapeReason) }
        return .event(
            TiKVLogEventSummary(time: time, level: known.level, sources: sources, match: known.match ?? .init(kind: .slowOperation)))
    }
}
