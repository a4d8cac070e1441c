import Foundation

/// How many incidents a scenario's run must end with: exactly `n` (`incidents: 1`) or a range
/// (`incidents: 1-2`, or `{ min: 1, max: 2 }`).
public struct IncidentCount: Sendable, Codable, Equatable, CustomStringConvertible {
    public var min: Int
    public var max: Int

    public init(min: Int, max: Int) {
        self.min = min
        self.max = max
    }

    public init(exactly n: Int) { self.init(min: n, max: n) }

    public func accepts(_ count: Int) -> Bool { (min...max).contains(count) }

    public var description: String { min == max ? "\(min)" : "\(min)-\(max)" }

    private struct Bounds: Decodable {
        var min: Int
        var max: Int
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let n = try? container.decode(Int.self) {
            self = try Self.checked(n, n, in: container)
            return
        }
        if let bounds = try? container.decode(Bounds.self) {
            self = try Self.checked(bounds.min, bounds.max, in: container)
            return
        }
        let text = (try? container.decode(String.self)) ?? ""
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard (1...2).contains(parts.count), let low = Int(parts[0]), let high = Int(parts[parts.count - 1]) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "incidents must be a count (1), a range (\"1-2\") or {min, max}, got \"\(text)\"")
        }
        self = try Self.checked(low, high, in: container)
    }

    private static func checked(_ low: Int, _ high: Int, in container: any SingleValueDecodingContainer) throws -> IncidentCount {
        guard low >= 0, high >= low, high <= 1000 else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "incidents \(low)-\(high): need 0 ≤ min ≤ max ≤ 1000")
        }
        return IncidentCount(min: low, max: high)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if min == max { try container.encode(min) } else { try container.encode(description) }
    }
}
