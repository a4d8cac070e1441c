import Foundation
import OperatorCore

/// Chooses the diagnoser once, at the composition root.
enum DiagnoserFactory {
    static let names = ["offline"]

    static func make<S: Subject>(_ name: String, for subject: S, config: OperatorConfigFile) throws -> any Diagnoser {
        switch name.lowercased() {
        case "offline":
            return OfflineDiagnoser(rules: subject.knowledge.rules)
        default:
            throw CLIFailure("unknown diagnoser \"\(name)\"; known diagnosers: \(names.joined(separator: ", "))", exitCode: 2)
        }
    }
}
