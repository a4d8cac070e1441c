/// A boolean PD config writes as a string (`",string"` struct tag): `"true"` / `"false"`
/// (tikv-interfaces.md §1.0, §1.5). A JSON boolean is accepted too.
public struct StringBool: Sendable, Hashable, Codable {
    public var value: Bool

    public init(_ value: Bool) {
        self.value = value
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) {
            value = b
            return
        }
        let text = try c.decode(String.self)
        switch text.lowercased() {
        case "true": value = true
        case "false": value = false
        default:
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "\"\(text)\" is not \"true\" or \"false\"")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(value)
    }
}
