import OperatorCore
import Synchronization

/// Passes every call to another diagnoser and keeps each diagnosis it returned with the claim check's
/// findings against the context it was made from, so the eval can count false statements, including
/// those of diagnoses the runner then rejected.
final class RecordingDiagnoser: Diagnoser {
    let wrapped: any Diagnoser
    private let recorded = Mutex<[DiagnosisRecord]>([])

    init(_ wrapped: any Diagnoser) { self.wrapped = wrapped }

    var name: String { wrapped.name }

    func diagnose(_ context: DiagnosisContext) async throws -> Diagnosis {
        let diagnosis = try await wrapped.diagnose(context)
        let record = DiagnosisRecord(diagnosis: diagnosis, context: context)
        recorded.withLock { $0.append(record) }
        return diagnosis
    }

    var records: [DiagnosisRecord] { recorded.withLock { $0 } }
}
