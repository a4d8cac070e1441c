/// Turns a diagnosis context into a diagnosis. Observe-only: a diagnoser reads, it never acts on the cluster.
public protocol Diagnoser: Sendable {
    /// `offline`, `anthropic`, `openai`, …
    var name: String { get }
    func diagnose(_ context: DiagnosisContext) async throws -> Diagnosis
}

/// A diagnosis that was produced but cannot be accepted (unknown category, missing alternatives, …).
public struct DiagnosisValidationError: Error, CustomStringConvertible {
    public let problems: [String]
    public var description: String { "diagnosis rejected: " + problems.joined(separator: "; ") }
}

extension Diagnosis {
    /// Checks what every stored diagnosis must satisfy, whoever produced it.
    public func validate(against context: DiagnosisContext) throws(DiagnosisValidationError) {
        var problems: [String] = []
        if summary.trimmingWhitespace().isEmpty { problems.append("summary is empty") }
        if observation.trimmingWhitespace().isEmpty { problems.append("observation is empty") }
        let categories = Set(context.taxonomy.map(\.id))
        if !categories.isEmpty, !categories.contains(rootCause.category) {
            problems.append(
                "root_cause.category \"\(rootCause.category)\" is not in the taxonomy (\(categories.sorted().joined(separator: ", ")))"
            )
        }
        if !(0...1).contains(confidence) { problems.append("confidence \(confidence) is outside 0…1") }
        if evidence.isEmpty { problems.append("evidence is empty") }
        if evidence.contains(where: { $0.value.trimmingWhitespace().isEmpty }) {
            problems.append("an evidence item has no value")
        }
        if alternatives.isEmpty { problems.append("no alternative hypothesis was considered") }
        if recommendedActions.isEmpty { problems.append("no recommended action") }
        if !problems.isEmpty { throw DiagnosisValidationError(problems: problems) }
    }
}
