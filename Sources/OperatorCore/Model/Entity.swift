/// Names a thing in a watched cluster: `kind:id` (`store:4`, `node:n1`, `member:m3`) or the bare `cluster`.
///
/// Entities are the unit of deduplication and of incident roots, so their spelling is canonical:
/// lower-case kind, id verbatim, one colon.
public struct Entity: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let kind: String
    /// `nil` only for entities that are unique within a cluster, such as `cluster` itself.
    public let id: String?

    public init(kind: String, id: String?) {
        self.kind = kind.lowercased()
        self.id = id
    }

    /// The whole cluster, for violations no single node owns.
    public static let cluster = Entity(kind: "cluster", id: nil)

    /// Parses `kind:id` or a bare `kind`.
    public init(parsing text: String) throws(EntityParseError) {
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty else { throw EntityParseError(text: text, reason: "it is empty") }
        let parts = trimmed.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let kind = String(parts[0])
        guard !kind.isEmpty, kind.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw EntityParseError(text: text, reason: "the kind before ':' must be letters, digits, '-' or '_'")
        }
        if parts.count == 2 {
            let id = String(parts[1])
            guard !id.isEmpty else { throw EntityParseError(text: text, reason: "nothing follows ':'") }
            self.init(kind: kind, id: id)
        } else {
            self.init(kind: kind, id: nil)
        }
    }

    public var description: String {
        if let id { return "\(kind):\(id)" }
        return kind
    }

    public static func < (lhs: Entity, rhs: Entity) -> Bool {
        if lhs.kind != rhs.kind { return lhs.kind < rhs.kind }
        let l = lhs.id ?? "", r = rhs.id ?? ""
        // Numeric ids sort numerically so store:10 follows store:9.
        if let li = UInt64(l), let ri = UInt64(r) { return li < ri }
        return l < r
    }
}

public struct EntityParseError: Error, CustomStringConvertible {
    public let text: String
    public let reason: String
    public var description: String {
        "invalid entity \"\(text)\": \(reason); write kind:id such as store:2 or member:e3, or cluster"
    }
}

extension Entity: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            try self.init(parsing: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension Entity: ExpressibleByStringLiteral {
    /// For literals in code and tests; a malformed literal is a programming error.
    public init(stringLiteral value: String) {
        do { try self.init(parsing: value) } catch { preconditionFailure(error.description) }
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
