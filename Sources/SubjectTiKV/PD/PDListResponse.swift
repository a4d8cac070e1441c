import Foundation
import PrometheusClient

/// A PD answer whose bulk is one list (`{"count":N,"stores":[…]}`), decoded an element at a time.
///
/// A whole-document parse of a large body holds a parse tree many times the body's size before the first
/// model exists (a 50 MB `/stores` cost 1.67 GB). Decoding element by element holds the body, the models,
/// and one element's parse: about twice the body. Field paths in errors stay those of the whole document
/// (`stores[2].status.capacity`).
protocol PDListResponse: Decodable {
    associatedtype Element: Decodable
    /// The member that holds the list.
    static var listKey: String { get }
    /// The value a whole-document decode gives: `skeleton` is the document decoded with an empty list,
    /// `presentKeys` the other members the document had.
    static func assemble(_ skeleton: Self, elements: [Element], presentKeys: Set<String>) -> Self
}

extension PDStores: PDListResponse {
    static var listKey: String { "stores" }

    static func assemble(_ skeleton: PDStores, elements: [PDStoreInfo], presentKeys: Set<String>) -> PDStores {
        var value = skeleton
        value.stores = elements
        // As `init(from:)` does: an absent count is the number of stores.
        if !presentKeys.contains(CodingKeys.count.stringValue) { value.count = elements.count }
        return value
    }
}

enum PDListDecoding {
    /// The decoded list response, or `nil` when the body is not shaped as one (the caller then decodes the
    /// whole document, which words the error).
    static func decode<T: PDListResponse>(_ type: T.Type, from body: Data) throws(DecodingPathError) -> T? {
        let layout: JSONListLayout? = body.withUnsafeBytes { JSONListLayout.scan($0, listKey: T.listKey) }
        guard let layout, layout.listFound else { return nil }
        let decoder = JSONDecoder()
        var elements: [T.Element] = []
        elements.reserveCapacity(layout.elements.count)
        for (index, range) in layout.elements.enumerated() {
            let base = "\(T.listKey)[\(index)]"
            do {
                elements.append(try decoder.decode(T.Element.self, from: body[(body.startIndex + range.lowerBound)..<(body.startIndex + range.upperBound)]))
            } catch let error as DecodingError {
                let (field, reason) = DecodingErrorText.describe(error)
                throw DecodingPathError(field: field == "<root>" ? base : "\(base).\(field)", reason: reason)
            } catch {
                throw DecodingPathError(field: base, reason: "\(error)")
            }
        }
        // The other members (`count`) with an empty list, decoded by the type's own rules.
        var skeleton = Data("{".utf8)
        for member in layout.otherMembers {
            skeleton.append(body[(body.startIndex + member.lowerBound)..<(body.startIndex + member.upperBound)])
            skeleton.append(UInt8(ascii: ","))
        }
        skeleton.append(contentsOf: Array("\"\(T.listKey)\":[]}".utf8))
        let value: T
        do {
            value = try decoder.decode(T.self, from: skeleton)
        } catch let error as DecodingError {
            let (field, reason) = DecodingErrorText.describe(error)
            throw DecodingPathError(field: field, reason: reason)
        } catch {
            throw DecodingPathError(field: "<root>", reason: "\(error)")
        }
        return T.assemble(value, elements: elements, presentKeys: layout.otherKeys)
    }
}

/// A decoding failure already worded as a field path and a reason.
struct DecodingPathError: Error {
    var field: String
    var reason: String
}
