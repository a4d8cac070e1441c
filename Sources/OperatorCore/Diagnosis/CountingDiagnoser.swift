import Synchronization

/// Passes every call to another diagnoser and counts the calls per incident, failed ones included: with
/// a model diagnoser each is a paid request, so this is what a run cost (`operator eval`, `bench diagnosis`).
public final class CountingDiagnoser: Diagnoser {
    public let wrapped: any Diagnoser
    private let counts = Mutex<[Int64: Int]>([:])

    public init(_ wrapped: any Diagnoser) { self.wrapped = wrapped }

    public var name: String { wrapped.name }

    public func diagnose(_ context: DiagnosisContext) async throws -> Diagnosis {
        // A context without an incident id (an ad-hoc replay) is counted under 0.
        counts.withLock { $0[context.incident.id ?? 0, default: 0] += 1 }
        return try await wrapped.diagnose(context)
    }

    /// Calls made for this incident so far.
    public func calls(incident: Int64) -> Int { counts.withLock { $0[incident] ?? 0 } }

    /// Calls per incident id.
    public var callsPerIncident: [Int64: Int] { counts.withLock { $0 } }

    public var totalCalls: Int { counts.withLock { $0.values.reduce(0, +) } }
}
