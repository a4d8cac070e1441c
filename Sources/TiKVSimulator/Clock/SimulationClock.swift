import Foundation

/// Maps wall time to PD time: `start + elapsed × timeScale + skipped`.
///
/// `timeScale` 20 makes 20 s of PD time pass per wall second, so a store turns Disconnected (20 s
/// without heartbeat) one wall second after it is killed. `skip(_:)` jumps PD time forward at once,
/// which lets tests reach `max-store-down-time` without waiting for it.
struct SimulationClock: Sendable {
    let origin: SimInstant
    let wallOrigin: ContinuousClock.Instant
    let timeScale: Double
    private(set) var skipped: SimSpan = .zero

    init(timeScale: Double, origin: SimInstant = SimulationClock.wallNow()) {
        self.origin = origin
        self.wallOrigin = ContinuousClock.now
        self.timeScale = timeScale
    }

    func now() -> SimInstant {
        let elapsed = ContinuousClock.now - wallOrigin
        let (seconds, attoseconds) = elapsed.components
        let elapsedNanos = Double(seconds) * 1e9 + Double(attoseconds) / 1e9
        return origin + SimSpan(nanoseconds: Int64(elapsedNanos * timeScale)) + skipped
    }

    mutating func skip(_ span: SimSpan) {
        skipped = skipped + span
    }

    /// Wall-clock time now, on PD's clock (Unix epoch).
    static func wallNow() -> SimInstant {
        SimInstant(seconds: Date().timeIntervalSince1970)
    }
}
