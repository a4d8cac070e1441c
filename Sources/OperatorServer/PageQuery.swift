import Foundation
import Hummingbird
import HummingbirdCore
import OperatorCore

/// `limit` and `cursor` of a list route. The cursor is opaque to clients (`next_cursor` of the previous
/// page; it encodes the last id shown), so a page never shifts when new rows arrive at the top. Its
/// spelling, `i` and up to 15 hex digits, is the document's pattern: any string of that shape is a
/// position (past the newest row it is simply an empty page), anything else is a 400.
struct PageQuery: Sendable, Equatable {
    static let limits = 1...500
    static let defaultLimit = 50

    var limit: Int
    /// Rows with an id below this one (the cursor decoded); `nil` for the first page.
    var beforeID: Int64?

    init(limit: Int = PageQuery.defaultLimit, beforeID: Int64? = nil) {
        self.limit = limit
        self.beforeID = beforeID
    }

    init(_ query: FlatDictionary<Substring, Substring>) throws(APIError) {
        var limit = Self.defaultLimit
        if let text = query["limit"] {
            guard let value = Int(text), Self.limits.contains(value) else {
                throw .badParameter("limit", "limit must be a whole number from \(Self.limits.lowerBound) to \(Self.limits.upperBound), not `\(text.prefix(40))`")
            }
            limit = value
        }
        var before: Int64?
        if let text = query["cursor"] {
            guard let id = Self.decodeCursor(String(text)) else {
                throw .badParameter("cursor", "cursor `\(text.prefix(40))` is not one this server gave out; pass the `next_cursor` of the previous page, or leave it out for the first page")
            }
            before = id
        }
        self.init(limit: limit, beforeID: before)
    }

    static let cursorPattern = "^i[0-9a-f]{1,15}$"

    static func cursor(after id: Int64) -> String { "i" + String(id, radix: 16) }

    static func decodeCursor(_ text: String) -> Int64? {
        let digits = text.utf8.dropFirst()
        guard text.hasPrefix("i"), (1...15).contains(digits.count),
            digits.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
        else { return nil }
        return Int64(String(text.dropFirst()), radix: 16)
    }
}

/// One page of a list, newest first, with the cursor of the next page (`null` on the last).
struct Page<Item: Encodable & Sendable>: Encodable, Sendable {
    var items: [Item]
    var nextCursor: String?

    enum CodingKeys: String, CodingKey {
        case items
        case nextCursor = "next_cursor"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(items, forKey: .items)
        try c.encode(nextCursor, forKey: .nextCursor)
    }

    /// `rows` holds up to `limit + 1` rows: the extra one only says there is a next page.
    init(rows: [Item], limit: Int, id: (Item) -> Int64) {
        items = Array(rows.prefix(limit))
        nextCursor = rows.count > limit ? items.last.map { PageQuery.cursor(after: id($0)) } : nil
    }
}

/// Query parameters common to several routes.
enum QueryParameters {
    static func clusterName(_ query: FlatDictionary<Substring, Substring>) throws(APIError) -> String? {
        guard let text = query["cluster"] else { return nil }
        guard ClusterName.isValid(String(text)) else {
            throw .badParameter("cluster", "cluster `\(text.prefix(40))` is not a cluster name (lower-case letters, digits and '-'); GET /api/v1/clusters lists them")
        }
        return String(text)
    }

    static func statuses<S: RawRepresentable & CaseIterable>(
        _ query: FlatDictionary<Substring, Substring>, as: S.Type
    ) throws(APIError) -> Set<S>? where S.RawValue == String {
        let given = query[values: "status"]
        guard !given.isEmpty else { return nil }
        var result: Set<S> = []
        for text in given {
            guard let status = S(rawValue: String(text)) else {
                let known = S.allCases.map(\.rawValue).joined(separator: ", ")
                throw .badParameter("status", "status `\(text.prefix(40))` is not one of \(known)")
            }
            result.insert(status)
        }
        return result
    }

    static func id(_ context: some RequestContext, what: String) throws(APIError) -> Int64 {
        let text = context.parameters.get("id") ?? ""
        guard let id = Int64(text), id > 0 else {
            throw .badParameter("id", "the \(what) id must be a positive whole number, not `\(text.prefix(40))`")
        }
        return id
    }
}
