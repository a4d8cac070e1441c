import Foundation

/// Maps a TiKV/PD log message to its event kind, with the ids some messages carry in their text.
///
/// Most messages are constant strings with their data in fields, so an exact lookup decides. The raft-rs
/// election messages carry the term in the text (`became leader at term 6`), and the legacy raft-rs form
/// (TiKV ≤ 3.x) also prefixes `[region <region_id>] <peer_id> ` (tikv-interfaces.md §3.2).
public enum TiKVLogCatalogue {
    struct Match: Equatable {
        var kind: TiKVLogEventKind
        var term: String?
        var regionID: String?
        var peerID: String?
    }

    /// Constant messages (tikv-interfaces.md §3.2–§3.5), exactly as TiKV and PD write them.
    static let exactMessages: [String: TiKVLogEventKind] = [
        // §3.2 leader election
        "starting a new election": .electionStarted,
        "transfer leader": .leaderTransfer,
        "leader missing longer than abnormal_leader_missing_duration": .leaderMissing,
        // §3.3 snapshots, leader side
        "requesting snapshot": .snapshotRequested,
        "begin to generate a snapshot": .snapshotGenerateStarted,
        "scan snapshot of one cf": .snapshotScanned,
        "scan snapshot": .snapshotScanned,
        "start sending snapshot": .snapshotSendStarted,
        "sent snapshot": .snapshotSent,
        "failed to send snap": .snapshotSendFailed,
        "report snapshot status": .snapshotStatusReported,
        // §3.3 snapshots, follower side
        "saving snapshot file": .snapshotFileSaved,
        "saving all snapshot files": .snapshotReceived,
        "failed to recv snapshot": .snapshotReceiveFailed,
        "restored snapshot": .snapshotRestored,
        "begin to apply snapshot": .snapshotApplyStarted,
        "begin apply snap data": .snapshotApplyStarted,
        "apply snapshot with state ok": .snapshotApplied,
        "apply new data": .snapshotApplied,
        "snapshot is persisted": .snapshotPersisted,
        "applying snapshot is aborted": .snapshotApplyFailed,
        "failed to apply snap!!!": .snapshotApplyFailed,
        // §3.4 slow operations
        "slow-query": .slowQuery,
        "scheduling store_heartbeat timeout, force report store slow score to pd.": .storeSlowScoreForced,
        "peer is busy on applying logs": .peerBusyApplying,
        // §3.5 heartbeats and PD connectivity
        "store heartbeat failed": .storeHeartbeatFailed,
        "failed to send heartbeat": .regionHeartbeatFailed,
        "request failed": .pdRequestFailed,
        "request failed, retry": .pdRequestFailed,
        "connect failed": .pdConnectFailed,
        "failed to connect to PD member": .pdConnectFailed,
        "connect pd failed": .pdConnectFailed,
        "reconnect failed": .pdReconnectFailed,
        "PD failed to respond": .pdUnresponsive,
        "validate PD endpoints failed": .pdEndpointsInvalid,
        "try reconnect pd": .pdReconnecting,
        "TSO stream is closed, reconnect to PD": .pdReconnecting,
        "connecting to PD endpoint": .pdConnecting,
        "connected to PD member": .pdConnected,
        "all PD endpoints are consistent": .pdConnected,
        "update pd client": .pdClientUpdated,
        "trying to update PD client done": .pdClientUpdated,
        // §3.5 PD side
        "start to campaign PD leader": .pdLeaderCampaign,
        "leader election succeeded, start leader ready process": .pdLeaderElected,
        "PD leader is ready to serve": .pdLeaderReady,
        "pd leader has changed, try to re-campaign a pd leader": .pdLeaderChanged,
        "no longer a leader because lease has expired, PD leader will step down": .pdLeaderSteppedDown,
        "store has been offline": .storeOffline,
        "store has been Tombstone": .storeTombstone,
        "store has been up": .storeUp,
        "store has changed to serving": .storeServing,
        "Welcome to TiKV": .processStarted,
        "detected slow store, start to evict leaders": .slowStoreEvicting,
    ]

    /// Messages whose tail varies between releases (the `...` in the reference sheet).
    static let prefixMessages: [(String, TiKVLogEventKind)] = [
        ("leader missing longer than", .leaderMissing),
        ("heartbeat sender and receiver are stale", .pdReconnecting),
    ]

    /// The catalogue as fixed strings, one per pattern: what `grep -F -f` needs to find the same lines
    /// (`operator bench logs` compares the parser with grep on exactly these).
    public static var fixedStringPatterns: [String] {
        let raft = ["became leader at term", "became follower at term", "became candidate at term",
                    "became pre-candidate at term", "restored snapshot"]
        return (Array(exactMessages.keys) + prefixMessages.map(\.0) + raft).sorted()
    }

    static func match(message: String) -> Match? {
        var message = message
        return message.withUTF8 { match(bytes: $0) }
    }

    /// Matches the message's (decoded) bytes. Most lines are not events, so this decides on bytes and
    /// builds a `String` only when a pattern could apply.
    static func match(bytes: UnsafeBufferPointer<UInt8>) -> Match? {
        if let kind = exactTable.kind(of: bytes) { return Match(kind: kind) }
        guard mayMatchPattern(bytes) else { return nil }
        if isASCII(bytes) { return matchPatternsASCII(bytes) }
        return matchPatterns(String(decoding: bytes, as: UTF8.self))
    }

    /// Whether a message could match a pattern (not an exact message): it starts like one or holds
    /// `restored snapshot`. Every character of these is a letter, digit, space, `[` or `-`.
    static func mayMatchPattern(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = bytes.first else { return false }
        // The prefixes start with `b`, `[`, `s`, `l` or `h`: most messages are out after one byte.
        if patternFirstBytes[Int(first)], patternPrefixes.contains(where: { hasPrefix(bytes, $0) }) { return true }
        return contains(bytes, restoredSnapshot)
    }

    /// The catalogue's patterns and messages hold none of `"`, `\`, `/` or a control character, so a
    /// JSON-escaped message without a `\u` escape (the other escapes decode to exactly those) can match
    /// only when its raw bytes could: the bytes before its first escape and between escapes are the text.
    static func mayMatchEscaped(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        contains(bytes, unicodeEscape) || mayMatchPattern(bytes)
    }

    private static let patternFirstBytes: [Bool] = {
        var table = [Bool](repeating: false, count: 256)
        for prefix in patternPrefixes { if let first = prefix.first { table[Int(first)] = true } }
        return table
    }()
    private static let unicodeEscape = Array("\\u".utf8)

    private static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        let n = bytes.count
        if let base = bytes.baseAddress {
            while i + 8 <= n {
                guard UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 else {
                    return false
                }
                i += 8
            }
        }
        while i < n {
            guard bytes[i] < 0x80 else { return false }
            i += 1
        }
        return true
    }

    /// ``matchPatterns(_:)`` on the bytes of an ASCII message (every election line), with no `String`:
    /// in ASCII every `Character` is one byte, except `\r\n`, which is two and equals no byte these
    /// patterns look for, so the same prefixes, offsets and digit runs decide alike.
    private static func matchPatternsASCII(_ message: UnsafeBufferPointer<UInt8>) -> Match? {
        var text = message
        var regionID: String?
        var peerID: String?
        // Legacy raft-rs tag: "[region 2] 5 became leader at term 7".
        if hasPrefix(text, regionTag) {
            let n = text.count
            var i = regionTag.count
            guard let close = firstIndex(of: UInt8(ascii: "]"), in: text, from: i) else { return nil }
            let region = UnsafeBufferPointer(rebasing: text[i..<close])
            guard isDigits(region) else { return nil }
            i = close + 1
            guard i < n, text[i] == 0x20 else { return nil }
            i += 1
            let peerStart = i
            while i < n, text[i] >= 0x30, text[i] <= 0x39 { i += 1 }
            guard i > peerStart, i < n, text[i] == 0x20 else { return nil }
            regionID = String(decoding: region, as: UTF8.self)
            peerID = String(decoding: UnsafeBufferPointer(rebasing: text[peerStart..<i]), as: UTF8.self)
            text = UnsafeBufferPointer(rebasing: text[(i + 1)...])
        }
        if let m = raftTransitionASCII(text) {
            return Match(kind: m.kind, term: m.term, regionID: regionID, peerID: peerID)
        }
        if contains(text, restoredSnapshot) {
            return Match(kind: .snapshotRestored, regionID: regionID, peerID: peerID)
        }
        if regionID == nil {
            for (prefix, kind) in prefixMessageBytes where hasPrefix(message, prefix) { return Match(kind: kind) }
        }
        return nil
    }

    /// ``raftTransition(_:)`` on ASCII bytes.
    private static func raftTransitionASCII(_ text: UnsafeBufferPointer<UInt8>) -> (kind: TiKVLogEventKind, term: String?)? {
        if hasPrefix(text, became) {
            let rest = UnsafeBufferPointer(rebasing: text[became.count...])
            guard let at = firstIndex(of: atTerm, in: rest) else { return nil }
            let role = UnsafeBufferPointer(rebasing: rest[..<at])
            let term = UnsafeBufferPointer(rebasing: rest[(at + atTerm.count)...])
            guard isDigits(term) else { return nil }
            guard let kind = roles.first(where: { equal(role, $0.0) })?.1 else { return nil }
            return (kind, String(decoding: term, as: UTF8.self))
        }
        if equal(text, startingANewElection) { return (.electionStarted, nil) }
        for prefix in electionAtTerm where hasPrefix(text, prefix) {
            let term = UnsafeBufferPointer(rebasing: text[prefix.count...])
            guard isDigits(term) else { return nil }
            return (.electionStarted, String(decoding: term, as: UTF8.self))
        }
        return nil
    }

    private static let regionTag = Array("[region ".utf8)
    private static let became = Array("became ".utf8)
    private static let atTerm = Array(" at term ".utf8)
    private static let startingANewElection = Array("starting a new election".utf8)
    private static let electionAtTerm = ["is starting a new election at term ", "starting a new election at term "].map { Array($0.utf8) }
    private static let roles: [([UInt8], TiKVLogEventKind)] = [
        (Array("leader".utf8), .becameLeader), (Array("follower".utf8), .becameFollower),
        (Array("candidate".utf8), .becameCandidate), (Array("pre-candidate".utf8), .becamePreCandidate),
    ]
    private static let prefixMessageBytes: [([UInt8], TiKVLogEventKind)] = prefixMessages.map { (Array($0.0.utf8), $0.1) }

    private static func isDigits(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        !bytes.isEmpty && bytes.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    /// The first `byte` at or after `start`, by memchr.
    private static func firstIndex(of byte: UInt8, in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard start < bytes.count, let base = bytes.baseAddress,
            let found = memchr(base + start, Int32(byte), bytes.count - start)
        else { return nil }
        return UnsafeRawPointer(base).distance(to: UnsafeRawPointer(found))
    }

    /// Where `needle` first occurs in `bytes`.
    private static func firstIndex(of needle: [UInt8], in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let first = needle.first, bytes.count >= needle.count else { return nil }
        var i = 0
        let last = bytes.count - needle.count
        while i <= last {
            guard let found = firstIndex(of: first, in: bytes, from: i), found <= last else { return nil }
            if equal(UnsafeBufferPointer(rebasing: bytes[found..<(found + needle.count)]), needle) { return found }
            i = found + 1
        }
        return nil
    }

    /// ``exactMessages`` by byte length: a lookup that needs no hashing.
    private static let exactTable = ExactMessageTable(exactMessages)

    /// Starts of every message `matchPatterns` can accept.
    private static let patternPrefixes: [[UInt8]] =
        ["became ", "[region ", "starting a new election"].map { Array($0.utf8) } + prefixMessages.map { Array($0.0.utf8) }
    private static let restoredSnapshot = Array("restored snapshot".utf8)

    /// Whether `bytes` start with `prefix` (byte compare; this runs on every line).
    private static func hasPrefix(_ bytes: UnsafeBufferPointer<UInt8>, _ prefix: [UInt8]) -> Bool {
        guard bytes.count >= prefix.count, let base = bytes.baseAddress else { return prefix.isEmpty }
        return prefix.withUnsafeBytes { p in
            guard let start = p.baseAddress else { return true }
            return memcmp(base, start, prefix.count) == 0
        }
    }

    private static func equal(_ bytes: UnsafeBufferPointer<UInt8>, _ other: [UInt8]) -> Bool {
        bytes.count == other.count && hasPrefix(bytes, other)
    }

    /// Whether `needle` occurs in `bytes`: a byte loop for short text (most messages), else memchr to each
    /// candidate first byte; then a compare.
    static func contains(_ bytes: UnsafeBufferPointer<UInt8>, _ needle: [UInt8]) -> Bool {
        if bytes.count <= 64, let first = needle.first, bytes.count >= needle.count {
            var i = 0
            let last = bytes.count - needle.count
            while i <= last {
                if bytes[i] == first, equal(UnsafeBufferPointer(rebasing: bytes[i..<(i + needle.count)]), needle) {
                    return true
                }
                i += 1
            }
            return false
        }
        return containsByMemchr(bytes, needle)
    }

    private static func containsByMemchr(_ bytes: UnsafeBufferPointer<UInt8>, _ needle: [UInt8]) -> Bool {
        guard let first = needle.first, bytes.count >= needle.count, let base = bytes.baseAddress else { return false }
        var i = 0
        let last = bytes.count - needle.count
        return needle.withUnsafeBytes { pattern in
            guard let pattern = pattern.baseAddress else { return false }
            while i <= last {
                guard let found = memchr(base + i, Int32(first), last - i + 1) else { return false }
                i = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(found))
                if memcmp(base + i, pattern, needle.count) == 0 { return true }
                i += 1
            }
            return false
        }
    }

    private static func matchPatterns(_ message: String) -> Match? {
        var text = Substring(message)
        var regionID: String?
        var peerID: String?
        // Legacy raft-rs tag: "[region 2] 5 became leader at term 7".
        if text.hasPrefix("[region ") {
            guard let (region, peer, rest) = legacyTag(text) else { return nil }
            regionID = region
            peerID = peer
            text = rest
        }
        if let m = raftTransition(text) {
            return Match(kind: m.kind, term: m.term, regionID: regionID, peerID: peerID)
        }
        // raft-rs "[commit: 5, term: 2] restored snapshot [index: 5, term: 2]" (legacy: tag first).
        if contains(text, "restored snapshot") {
            return Match(kind: .snapshotRestored, regionID: regionID, peerID: peerID)
        }
        if regionID == nil {
            for (prefix, kind) in prefixMessages where message.hasPrefix(prefix) { return Match(kind: kind) }
        }
        return nil
    }

    /// `became <role> at term N`, `starting a new election` (raft-rs with slog) and the legacy
    /// `is starting a new election at term N`.
    private static func raftTransition(_ text: Substring) -> (kind: TiKVLogEventKind, term: String?)? {
        if text.hasPrefix("became ") {
            let rest = text.dropFirst("became ".count)
            guard let at = find(rest, " at term ") else { return nil }
            let role = rest[..<at.lowerBound]
            let term = rest[at.upperBound...]
            guard isDigits(term) else { return nil }
            let kind: TiKVLogEventKind
            switch role {
            case "leader": kind = .becameLeader
            case "follower": kind = .becameFollower
            case "candidate": kind = .becameCandidate
            case "pre-candidate": kind = .becamePreCandidate
            default: return nil
            }
            return (kind, String(term))
        }
        if text == "starting a new election" { return (.electionStarted, nil) }
        for prefix in ["is starting a new election at term ", "starting a new election at term "]
        where text.hasPrefix(prefix) {
            let term = text.dropFirst(prefix.count)
            guard isDigits(term) else { return nil }
            return (.electionStarted, String(term))
        }
        return nil
    }

    /// Splits `[region 2] 5 rest` into ("2", "5", "rest").
    private static func legacyTag(_ text: Substring) -> (String, String, Substring)? {
        let afterRegion = text.dropFirst("[region ".count)
        guard let close = afterRegion.firstIndex(of: "]") else { return nil }
        let region = afterRegion[..<close]
        guard isDigits(region) else { return nil }
        var rest = afterRegion[afterRegion.index(after: close)...]
        guard rest.first == " " else { return nil }
        rest = rest.dropFirst()
        let peer = rest.prefix { $0.isASCII && $0.isNumber }
        guard !peer.isEmpty else { return nil }
        rest = rest.dropFirst(peer.count)
        guard rest.first == " " else { return nil }
        return (String(region), String(peer), rest.dropFirst())
    }

    /// Byte-wise search: Foundation's `contains`/`range(of:)` bridge through NSString and cost more than
    /// the rest of the parse on lines outside the catalogue.
    static func find(_ text: Substring, _ needle: StaticString) -> Range<Substring.Index>? {
        let n = needle.utf8CodeUnitCount
        let pattern = UnsafeBufferPointer(start: needle.utf8Start, count: n)
        let utf8 = text.utf8
        guard n > 0, utf8.count >= n else { return nil }
        var start = utf8.startIndex
        let last = utf8.index(utf8.endIndex, offsetBy: -n)
        while start <= last {
            if utf8[start] == pattern[0] {
                var i = utf8.index(after: start)
                var k = 1
                while k < n, utf8[i] == pattern[k] {
                    i = utf8.index(after: i)
                    k += 1
                }
                if k == n { return start..<i }
            }
            start = utf8.index(after: start)
        }
        return nil
    }

    static func contains(_ text: Substring, _ needle: StaticString) -> Bool { find(text, needle) != nil }

    static func isDigits(_ text: Substring) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }
}
