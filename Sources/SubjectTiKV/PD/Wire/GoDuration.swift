import OperatorCore

/// A duration as PD writes it (`typeutil.Duration`): Go's `time.Duration.String()`, e.g. `"30m0s"`,
/// `"36m20.480549971s"` (tikv-interfaces.md §1.0). Parsed by the core's `DurationText`.
public struct GoDuration: Sendable, Hashable, Codable, CustomStringConvertible {
    public var seconds: Double

    public init(seconds: Double) {
        self.seconds = seconds
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        do {
            seconds = try DurationText.seconds(text)
        } catch {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(seconds)
    }

    public var description: String { DurationText.format(seconds: seconds) }
}
