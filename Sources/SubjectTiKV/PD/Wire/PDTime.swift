import Foundation
import OperatorCore

/// A time as PD writes it: Go's RFC3339Nano in the server's local zone with trailing fraction zeros trimmed
/// (`"2024-12-25T03:05:03Z"`, `"2020-08-14T11:53:13.093351+08:00"`, tikv-interfaces.md §1.0). Parsed by the
/// core's `Timestamp`.
public struct PDTime: Sendable, Hashable, Codable {
    public var date: Date

    public init(_ date: Date) {
        self.date = date
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        guard let date = Timestamp.parse(text) else {
            throw DecodingError.dataCorruptedError(
                in: c, debugDescription: "\"\(text)\" is not an RFC 3339 time like 2024-12-25T03:05:03Z")
        }
        self.date = date
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(Timestamp.format(date))
    }
}
