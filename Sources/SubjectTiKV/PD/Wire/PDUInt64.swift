/// A uint64 on PD's wire: ids (`member_id` routinely exceeds Int64.max), scores, byte counters.
///
/// Decoded through this wrapper because Foundation's JSONDecoder reports an out-of-range or negative number
/// for `UInt64` as "not valid JSON" at the document root, losing the field; here the error names the field.
public struct PDUInt64: Sendable, Hashable, Comparable, Codable, ExpressibleByIntegerLiteral, CustomStringConvertible {
    public var value: UInt64

    public init(_ value: UInt64) {
        self.value = value
    }

    public init(integerLiteral value: UInt64) {
        self.value = value
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let v = try? c.decode(UInt64.self) {
            value = v
        } else if let d = try? c.decode(Double.self) {
            throw DecodingError.typeMismatch(
                UInt64.self,
                .init(codingPath: c.codingPath, debugDescription: "\(d) is not an unsigned 64-bit integer"))
        } else {
            value = try c.decode(UInt64.self)  // rethrows the decoder's own type error with its path
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(value)
    }

    public static func < (a: PDUInt64, b: PDUInt64) -> Bool { a.value < b.value }
    public var description: String { String(value) }
}
