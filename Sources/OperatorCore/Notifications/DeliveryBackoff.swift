import Foundation

/// Capped exponential backoff between attempts at one outbox row: `base`, 2×, 4×, … up to `cap`.
/// The row keeps trying at the cap for as long as it stays pending (`operator notifications retry`
/// makes it due at once).
public struct DeliveryBackoff: Sendable, Equatable {
    public var base: Duration
    public var cap: Duration

    public init(base: Duration = .seconds(1), cap: Duration = .seconds(300)) {
        self.base = max(.milliseconds(1), base)
        self.cap = max(self.base, cap)
    }

    /// The wait after `failures` consecutive failed attempts (1 = the first failure).
    public func delay(afterFailures failures: Int) -> Duration {
        let exponent = min(max(0, failures - 1), 30)
        let scaled = base.seconds * Double(1 << exponent)
        guard scaled < cap.seconds, let delay = Duration.checkedSeconds(scaled) else { return cap }
        return delay
    }
}
