import OperatorCore
import Synchronization

/// Passes every call to another diagnoser and keeps each diagnosis it returned with the claim check's
/// findings against the context it was made from, so the eval can count false statements, including
/// those of diagnoses the runner then rejected; and tallies what the calls cost (tokens, seconds).
final class RecordingDiagnoser: Diagnoser {
    let wrapped: any Diagnoser
    private let recorded = Mutex<[DiagnosisRecord]>([])
    private let tally = Mutex(ModelUsage())

    init(_ wrapped: any Diagnoser) { self.wrapped = wrapped }

    var name: String { wrapped.name }

    func diagnose(_ context: DiagnosisContext) async throws -> Diagnosis {
        let start = ContinuousClock.now
        do {
            let diagnosis = try await wrapped.diagnose(context)
            let seconds = (ContinuousClock.now - start).seconds
            let record = DiagnosisRecord(diagnosis: diagnosis, context: context)
            recorded.withLock { $0.append(record) }
            tally.withLock {
                $0.calls += 1
                $0.seconds += seconds
                $0.inputTokens += max(0, diagnosis.inputTokens ?? 0)
                $0.outputTokens += max(0, diagnosis.outputTokens ?? 0)
            }
            return diagnosis
        } catch {
            let seconds = (ContinuousClock.now - start).seconds
            // A reply cut at max_tokens was generated and paid for.
            let spent = error as? any ModelUsageReporting
            tally.withLock {
                $0.calls += 1
                $0.seconds += seconds
                $0.inputTokens += max(0, spent?.spentInputTokens ?? 0)
                $0.outputTokens += max(0, spent?.spentOutputTokens ?? 0)
            }
            throw error
        }
    }

    var records: [DiagnosisRecord] { recorded.withLock { $0 } }

    /// Calls so far, their tokens and seconds (unpriced).
    var usage: ModelUsage { tally.withLock { $0 } }
}
