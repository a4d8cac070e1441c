import Foundation

/// Maps an etcd log message (zap `msg` or capnslog text) to its event kind and the ids it carries.
///
/// zap lines put peer ids in fields (`remote-peer-id`, `peer-id`, `remote-member-id`); raft's messages
/// and every capnslog message carry them in the text, as hex (`d4840de1ab8e89f9`, leading zeros dropped
/// so sometimes 15 digits: `1a8ce82d4d7953d`) — etcd-prometheus-observed.md §A.
enum EtcdLogCatalogue {
    struct Match: Equatable {
        var kind: EtcdLogEventKind
        /// Hex id of the member the event is about (the one electing, or the peer lost/regained).
        var memberHex: String?
        /// Ids and numbers read from the text, under normalised names (`term`, `leader_id_hex`, ...).
        var fields: [String: String] = [:]
        /// Duration text as etcd wrote it (`111.479086ms`, `1.2s`).
        var took: String?
    }

    /// zap messages with their data in fields: the kind and the field naming the member.
    static let zapMessages: [String: (EtcdLogEventKind, memberField: String?, durationField: String?)] = [
        "lost TCP streaming connection with remote peer": (.peerStreamLost, "remote-peer-id", nil),
        "peer became inactive (message send to peer failed)": (.peerInactive, "peer-id", nil),
        "peer became inactive": (.peerInactive, "peer-id", nil),
        "peer became active": (.peerActive, "peer-id", nil),
        "established TCP streaming connection with remote peer": (.peerStreamEstablished, "remote-peer-id", nil),
        "failed to reach the peer URL": (.peerUnreachable, "remote-member-id", nil),
        "prober detected unhealthy status": (.peerUnhealthy, "remote-peer-id", nil),
        "apply request took too long": (.slowApply, nil, "took"),
        "slow fdatasync": (.slowFdatasync, nil, "took"),
        "leadership transfer starting": (.leaderTransferStarted, "transferee-member-id", nil),
        "leadership transfer finished": (.leaderTransferFinished, "new-leader-member-id", "took"),
        "alarm raised": (.alarmRaised, "from", nil),
        "message exceeded backend quota; raising alarm": (.quotaExceeded, nil, nil),
        "leader failed to send out heartbeat on time; took too long, leader is overloaded likely from slow disk": (
            .heartbeatLate, nil, "exceeded-duration"
        ),
    ]

    static func match(message: String, fields: [String: String]) -> Match? {
        if let (kind, memberField, durationField) = zapMessages[message] {
            var m = Match(kind: kind, memberHex: memberField.flatMap { fields[$0] }.flatMap(hexID))
            m.took = durationField.flatMap { fields[$0] }
            if kind == .heartbeatLate, let to = fields["to"].flatMap(hexID) { m.fields["peer_id_hex"] = to }
            if kind == .alarmRaised, let alarm = fields["alarm"] { m.fields["alarm"] = alarm }
            if kind == .leaderTransferStarted || kind == .leaderTransferFinished {
                let from = fields["current-leader-member-id"] ?? fields["old-leader-member-id"]
                if let from = from.flatMap(hexID) { m.fields["previous_leader_id_hex"] = from }
            }
            return m
        }
        let words = message.split(separator: " ")
        if let m = raft(words, message) { return m }
        if let m = capnslogPeer(words, message) { return m }
        if let m = capnslogSlow(message) { return m }
        if message.hasPrefix("/health error") || message.hasPrefix("serving /health false") {
            var m = Match(kind: .healthError)
            if let code = between(message, "(status code ", ")"), isDigits(code) { m.fields["status_code"] = code }
            return m
        }
        if message.contains("took too long") || message.hasPrefix("slow "), let took = fields["took"] {
            return Match(kind: .slowOperation, took: took)
        }
        return nil
    }

    // MARK: - raft (same text in zap and capnslog)

    private static func raft(_ w: [Substring], _ message: String) -> Match? {
        guard let first = w.first else { return nil }
        // "raft.node: A elected leader B at term N" / "raft.node: A lost leader B at term N"
        if first == "raft.node:", w.count == 8, w[3] == "leader", w[5] == "at", w[6] == "term",
            let member = hexID(w[1]), let leader = hexID(w[4]), isDigits(w[7])
        {
            let kind: EtcdLogEventKind
            switch w[2] {
            case "elected": kind = .leaderElected
            case "lost": kind = .leaderLost
            default: return nil
            }
            return Match(kind: kind, memberHex: member, fields: ["leader_id_hex": leader, "term": String(w[7])])
        }
        guard let member = hexID(first), w.count >= 2 else { return nil }
        // "A became leader at term N"
        if w.count == 6, w[1] == "became", w[3] == "at", w[4] == "term", isDigits(w[5]) {
            let kind: EtcdLogEventKind
            switch w[2] {
            case "leader": kind = .becameLeader
            case "follower": kind = .becameFollower
            case "candidate": kind = .becameCandidate
            case "pre-candidate": kind = .becamePreCandidate
            default: return nil
            }
            return Match(kind: kind, memberHex: member, fields: ["term": String(w[5])])
        }
        // "A is starting a new election at term N"
        if w.count == 9, w[1] == "is", w[2] == "starting", w[5] == "election", w[7] == "term", isDigits(w[8]) {
            return Match(kind: .electionStarted, memberHex: member, fields: ["term": String(w[8])])
        }
        // "A [term: 2] received a MsgVote message with higher term from B [term: 3]"
        if w.count == 14, w[1] == "[term:", w[3] == "received", w[6] == "message", w[8] == "higher", w[10] == "from",
            let candidate = hexID(w[11])
        {
            let term = w[13].dropLast(w[13].hasSuffix("]") ? 1 : 0)
            var m = Match(kind: .voteWithHigherTerm, memberHex: member, fields: ["candidate_id_hex": candidate])
            if isDigits(term) { m.fields["term"] = String(term) }
            m.fields["message_type"] = String(w[5])
            return m
        }
        // "A has received 2 MsgVoteResp votes and 0 vote rejections" (older: "A [quorum:2] has received ...")
        if let has = w.firstIndex(of: "has"), has <= 2, w.count == has + 9, w[has + 1] == "received",
            w[has + 4] == "votes", w[has + 8] == "rejections", isDigits(w[has + 2]), isDigits(w[has + 6])
        {
            return Match(
                kind: .votesReceived, memberHex: member,
                fields: ["votes_granted": String(w[has + 2]), "votes_rejected": String(w[has + 6])])
        }
        // "A [term 2] received MsgTimeoutNow from B and starts an election to get leadership." (a transfer)
        if w.count >= 7, w[1] == "[term", w[3] == "received", w[4] == "MsgTimeoutNow", w[5] == "from", let leader = hexID(w[6]) {
            var m = Match(kind: .leaderTransferReceived, memberHex: member, fields: ["previous_leader_id_hex": leader])
            let term = w[2].dropLast(w[2].hasSuffix("]") ? 1 : 0)
            if isDigits(term) { m.fields["term"] = String(term) }
            return m
        }
        if message.hasSuffix(" stepped down to follower since quorum is not active") {
            return Match(kind: .quorumLost, memberHex: member)
        }
        return nil
    }

    // MARK: - capnslog (etcd 3.4 with the default logger, and packages that never moved to zap)

    private static func capnslogPeer(_ w: [Substring], _ message: String) -> Match? {
        if message.hasPrefix("lost the TCP streaming connection with peer "), w.count > 7 {
            return Match(kind: .peerStreamLost, memberHex: hexID(w[7]))
        }
        if message.hasPrefix("established a TCP streaming connection with peer "), w.count > 7 {
            return Match(kind: .peerStreamEstablished, memberHex: hexID(w[7]))
        }
        if w.count >= 4, w[0] == "peer", w[2] == "became", let peer = hexID(w[1]) {
            switch w[3] {
            case "active": return Match(kind: .peerActive, memberHex: peer)
            case "inactive": return Match(kind: .peerInactive, memberHex: peer)
            default: return nil
            }
        }
        if message.hasPrefix("failed to reach the peerURL("), let id = word(after: " of member ", in: message) {
            return Match(kind: .peerUnreachable, memberHex: hexID(id))
        }
        if message.hasPrefix("health check for peer "), message.contains(" could not connect"), w.count > 4 {
            return Match(kind: .peerUnhealthy, memberHex: hexID(w[4]))
        }
        return nil
    }

    private static func capnslogSlow(_ message: String) -> Match? {
        // "apply entries took too long [123.45ms for 1 entries]"
        if message.hasPrefix("apply entries took too long ["), let took = between(message, "[", " for ") {
            return Match(kind: .slowApply, took: took)
        }
        // "read-only range request \"key:...\" with result \"...\" took too long (157.3ms) to execute"
        if message.hasPrefix("read-only range request "), let range = message.range(of: " took too long (", options: .backwards)
        {
            let rest = message[range.upperBound...]
            if let close = rest.firstIndex(of: ")") { return Match(kind: .slowApply, took: String(rest[..<close])) }
        }
        // "sync duration of 1.234s, expected less than 1s"
        if message.hasPrefix("sync duration of "), let took = between(message, "sync duration of ", ",") {
            return Match(kind: .slowFdatasync, took: took)
        }
        // "failed to send out heartbeat on time (exceeded the 100ms timeout for 399.3ms, to d484...)"
        if message.hasPrefix("failed to send out heartbeat on time (exceeded the ") {
            var m = Match(kind: .heartbeatLate, took: between(message, " timeout for ", ","))
            if let to = between(message, ", to ", ")").flatMap({ hexID(Substring($0)) }) { m.fields["peer_id_hex"] = to }
            return m
        }
        return nil
    }

    // MARK: - Helpers

    /// A member id as etcd prints it: 1–16 lower-case hex digits.
    static func hexID(_ text: Substring) -> String? {
        guard (1...16).contains(text.utf8.count),
            text.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) })
        else { return nil }
        return String(text)
    }

    static func hexID(_ text: String) -> String? { hexID(Substring(text)) }

    static func isDigits(_ text: Substring) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    static func isDigits(_ text: String) -> Bool { isDigits(Substring(text)) }

    /// The word (up to a space or the end) after the first `marker`.
    static func word(after marker: String, in text: String) -> Substring? {
        guard let s = text.range(of: marker) else { return nil }
        let word = text[s.upperBound...].prefix { $0 != " " }
        return word.isEmpty ? nil : word
    }

    /// The text between the first `start` and the next `end` after it.
    static func between(_ text: String, _ start: String, _ end: String) -> String? {
        guard let s = text.range(of: start) else { return nil }
        let rest = text[s.upperBound...]
        guard let e = rest.range(of: end) else { return nil }
        return String(rest[..<e.lowerBound])
    }
}
