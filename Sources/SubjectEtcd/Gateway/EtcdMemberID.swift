/// An etcd member (or cluster) id: a uint64 that etcd spells two ways.
///
/// The v3 JSON gateway writes uint64 fields as decimal strings (`"ID":"6969278951715654196"`); metric
/// labels, log lines and etcdctl tables write the same id in lower-case hex without leading zeros
/// (`60b7da48219e4a34`) — etcd-prometheus-observed.md §A, "GOTCHAS (1)". Operator stores and prints hex,
/// the spelling an operator greps logs for.
public struct EtcdMemberID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let value: UInt64

    public init(_ value: UInt64) { self.value = value }

    /// From the gateway's decimal string.
    public init?(decimal text: String) {
        guard let v = UInt64(text) else { return nil }
        value = v
    }

    /// From a metric label or log field (`60b7da48219e4a34`, any case, optional `0x`).
    public init?(hex text: String) {
        var digits = Substring(text)
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") { digits = digits.dropFirst(2) }
        guard !digits.isEmpty, digits.count <= 16, let v = UInt64(digits, radix: 16) else { return nil }
        value = v
    }

    public var hex: String { String(value, radix: 16) }
    public var decimal: String { String(value) }
    public var description: String { hex }

    public static func < (a: EtcdMemberID, b: EtcdMemberID) -> Bool { a.value < b.value }
}

extension EtcdMemberID: Codable {
    /// Snapshots and contexts carry the hex spelling.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(hex)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        guard let id = EtcdMemberID(hex: text) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "\"\(text)\" is not a hex etcd member id")
        }
        self = id
    }
}
