/// A point on PD's clock, in nanoseconds since the Unix epoch.
///
/// The simulator keeps its own clock ("PD time") so that a time scale factor can make 20 s of
/// cluster time pass in 1 s of wall time, and tests can jump it forward. Nanoseconds, because PD
/// reports `last_heartbeat` in nanoseconds and Go durations print down to the nanosecond.
struct SimInstant: Comparable, Hashable, Sendable {
    var nanoseconds: Int64

    init(nanoseconds: Int64) {
        self.nanoseconds = nanoseconds
    }

    init(seconds: Double) {
        self.nanoseconds = Int64((seconds * 1e9).rounded())
    }

    var seconds: Double { Double(nanoseconds) / 1e9 }
    var wholeSeconds: Int64 { nanoseconds / 1_000_000_000 }

    static func < (lhs: SimInstant, rhs: SimInstant) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    static func + (lhs: SimInstant, rhs: SimSpan) -> SimInstant {
        SimInstant(nanoseconds: lhs.nanoseconds &+ rhs.nanoseconds)
    }

    static func - (lhs: SimInstant, rhs: SimSpan) -> SimInstant {
        SimInstant(nanoseconds: lhs.nanoseconds &- rhs.nanoseconds)
    }

    static func - (lhs: SimInstant, rhs: SimInstant) -> SimSpan {
        SimSpan(nanoseconds: lhs.nanoseconds &- rhs.nanoseconds)
    }
}

/// A length of PD time, in nanoseconds.
struct SimSpan: Comparable, Hashable, Sendable {
    var nanoseconds: Int64

    init(nanoseconds: Int64) {
        self.nanoseconds = nanoseconds
    }

    static func seconds(_ value: Double) -> SimSpan { SimSpan(nanoseconds: Int64((value * 1e9).rounded())) }
    static func milliseconds(_ value: Double) -> SimSpan { SimSpan(nanoseconds: Int64((value * 1e6).rounded())) }
    static let zero = SimSpan(nanoseconds: 0)

    var seconds: Double { Double(nanoseconds) / 1e9 }

    static func < (lhs: SimSpan, rhs: SimSpan) -> Bool { lhs.nanoseconds < rhs.nanoseconds }
    static func + (lhs: SimSpan, rhs: SimSpan) -> SimSpan { SimSpan(nanoseconds: lhs.nanoseconds + rhs.nanoseconds) }
    static func * (lhs: SimSpan, rhs: Int64) -> SimSpan { SimSpan(nanoseconds: lhs.nanoseconds * rhs) }
}
