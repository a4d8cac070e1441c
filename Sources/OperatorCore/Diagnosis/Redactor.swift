import Foundation

/// Removes secrets from text before it is logged, stored or put in a prompt.
///
/// Two nets: exact values known to be secret (the API keys this process holds), and patterns that look
/// like credentials wherever they come from (cluster logs can contain anything).
public struct Redactor: Sendable {
    public static let mask = "[REDACTED]"
    private var secrets: [String]

    /// `secrets` are exact values to remove; values shorter than 8 characters are ignored as too likely
    /// to match ordinary text.
    public init(secrets: [String] = []) {
        self.secrets = secrets.filter { $0.count >= 8 }.sorted { $0.count > $1.count }
    }

    /// A redactor for the secret-bearing environment variables this process can see.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Redactor {
        let names = environment.keys.filter { name in
            let n = name.uppercased()
            return n.hasSuffix("_API_KEY") || n.hasSuffix("_TOKEN") || n.hasSuffix("_SECRET") || n.hasSuffix("PASSWORD")
        }
        return Redactor(secrets: names.compactMap { environment[$0] })
    }

    public func redact(_ text: String) -> String {
        var out = text
        for s in secrets where out.contains(s) {
            out = out.replacingOccurrences(of: s, with: Self.mask)
        }
        for pattern in Self.patterns {
            out = pattern.replace(in: out)
        }
        return Self.redactUserinfo(out)
    }

    /// Replaces the `user:password@` of every `scheme://user:password@host` in `text` with the mask.
    ///
    /// URLs that enter the program lose their userinfo at the door; this is the net for text that
    /// arrives from elsewhere (cluster logs, error messages quoting a URL).
    public static func redactUserinfo(_ text: String) -> String {
        guard text.contains("@"), text.contains("://") else { return text }
        var result = ""
        result.reserveCapacity(text.utf8.count)
        var rest = Substring(text)
        while let separator = rest.range(of: "://") {
            result += rest[..<separator.upperBound]
            rest = rest[separator.upperBound...]
            // The authority ends at the first character that cannot be in it; userinfo is all before its last '@'.
            let authorityEnd = rest.firstIndex { c in
                c == "/" || c == "?" || c == "#" || c.isWhitespace || c == "\"" || c == "'" || c == "<" || c == ">" || c == ","
            } ?? rest.endIndex
            if let at = rest[..<authorityEnd].lastIndex(of: "@"), at > rest.startIndex {
                result += mask + "@"
                rest = rest[rest.index(after: at)...]
            }
        }
        result += rest
        return result
    }

    public func redact(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let s): .string(redact(s))
        case .array(let a): .array(a.map(redact))
        case .object(let o):
            .object(
                Dictionary(
                    uniqueKeysWithValues: o.map { k, v in
                        Self.isSecretKey(k) ? (k, .string(Self.mask)) : (k, redact(v))
                    }))
        default: value
        }
    }

    /// Redacts every string in a diagnosis context.
    public func redact(_ context: DiagnosisContext) -> DiagnosisContext {
        var c = context
        c.incident.title = redact(c.incident.title)
        c.tickets = c.tickets.map(redact)
        c.otherOpenTickets = c.otherOpenTickets.map(redact)
        c.evidence.signals = c.evidence.signals.map { s in
            var s = s
            s.value = redact(s.value)
            s.source = redact(s.source)
            return s
        }
        c.evidence.topology = redact(c.evidence.topology)
        c.evidence.logEvents = c.evidence.logEvents.map { e in
            var e = e
            e.message = redact(e.message)
            e.fields = Dictionary(
                uniqueKeysWithValues: e.fields.map { k, v in (k, Self.isSecretKey(k) ? Self.mask : redact(v)) })
            return e
        }
        c.evidence.metrics = c.evidence.metrics.map { m in
            var m = m
            m.query = redact(m.query)
            return m
        }
        c.evidence.notes = c.evidence.notes.map(redact)
        return c
    }

    private func redact(_ t: ContextTicket) -> ContextTicket {
        var t = t
        t.message = redact(t.message)
        t.excerpt = redact(t.excerpt)
        return t
    }

    static func isSecretKey(_ key: String) -> Bool {
        let k = key.lowercased().replacingOccurrences(of: "-", with: "_")
        return k.contains("password") || k.contains("secret") || k == "token" || k.hasSuffix("_token")
            || k.contains("api_key") || k == "authorization" || k.contains("credential")
    }

    struct Pattern: Sendable {
        let prefixes: [String]
        let minimumTail: Int

        /// Replaces `prefix` followed by a run of token characters (letters, digits, `-`, `_`, `.`).
        func replace(in text: String) -> String {
            var result = text
            for prefix in prefixes {
                var searchStart = result.startIndex
                while let r = result.range(of: prefix, options: [.caseInsensitive], range: searchStart..<result.endIndex) {
                    var end = r.upperBound
                    while end < result.endIndex, Self.isTokenCharacter(result[end]) { end = result.index(after: end) }
                    let tail = result.distance(from: r.upperBound, to: end)
                    if tail >= minimumTail {
                        result.replaceSubrange(r.upperBound..<end, with: Redactor.mask)
                        searchStart = result.index(r.upperBound, offsetBy: Redactor.mask.count)
                    } else {
                        searchStart = end
                    }
                }
            }
            return result
        }

        static func isTokenCharacter(_ c: Character) -> Bool {
            c.isASCII && (c.isLetter || c.isNumber || c == "-" || c == "_" || c == "." || c == "/" || c == "+")
        }
    }

    // Anthropic and OpenAI keys, bearer tokens, basic-auth URLs and key=value credentials.
    static let patterns: [Pattern] = [
        Pattern(prefixes: ["sk-ant-", "sk-proj-", "sk-"], minimumTail: 16),
        Pattern(prefixes: ["Bearer "], minimumTail: 8),
        Pattern(prefixes: ["password=", "passwd=", "token=", "api_key=", "apikey=", "secret="], minimumTail: 1),
        Pattern(prefixes: ["\"password\":\"", "\"token\":\"", "\"api_key\":\""], minimumTail: 1),
    ]
}
