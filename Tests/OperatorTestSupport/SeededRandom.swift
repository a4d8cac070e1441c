/// A deterministic random number generator (SplitMix64): a failing seeded test fails the same way on
/// every machine, and the seed in its message reproduces it.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &self) < p }

    /// One of `items` (which must not be empty).
    public mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &self)] }
}

/// Numbers that have broken parsers and conversions: beyond every integer type, non-finite, negative where
/// only counts make sense, and the edges of Int64 and UInt64.
public enum ExtremeNumbers {
    public static let doubles: [Double] = [
        1e20, -1e20, .infinity, -.infinity, .nan, 1e308, -1e308, 9.223372036854775807e18, 1.8446744073709552e19,
        -1, -0.0, 0, 0.5, 1e-300, .leastNonzeroMagnitude, 2_147_483_648, -9.3e18,
    ]
}
