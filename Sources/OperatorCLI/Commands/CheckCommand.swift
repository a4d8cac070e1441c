import ArgumentParser
import Foundation
import OperatorCore

struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Observe the cluster once and check every invariant (nothing is stored).",
        discussion: """
            Exit status: 0 healthy, 1 violations found, 2 the cluster could not be observed or bad usage. Usable from scripts and CI: `operator check --subject tikv --endpoints http://pd:2379 --json`.
            """)

    @OptionGroup var cluster: ClusterOptions
    @Option(help: "Log level for diagnostics on stderr (trace … critical).") var logLevel: String?
    @Flag(help: "Print one JSON object: subject, healthy, violations, skipped.") var json = false

    struct Report: Encodable {
        struct Item: Encodable {
            var invariant: String
            var entity: Entity
            var severity: Severity
            var message: String
        }

        var subject: String
        var healthy: Bool
        var violations: [Item]
        /// Invariants that could not be evaluated on this snapshot, with the reason.
        var skipped: [String: String]
    }

    func run() async throws {
        try CLILogging.bootstrap(level: logLevel, fallback: .warning)
        let resolved = try cluster.resolve()
        try await check(try resolved.makeSubject(), endpoints: resolved.configuration.endpoints)
    }

    private func check<S: Subject>(_ subject: S, endpoints: [String]) async throws {
        let evaluation: Evaluation<S.Snapshot>
        do {
            evaluation = try await subject.check()
        } catch {
            throw CLIFailure("cannot observe \(subject.name) at \(endpoints.joined(separator: ", ")): \(error)", exitCode: 2)
        }
        let items = evaluation.violations.map {
            Report.Item(invariant: $0.invariant, entity: $0.entity, severity: $0.severity, message: $0.message)
        }
        let report = Report(subject: subject.name, healthy: items.isEmpty, violations: items, skipped: evaluation.skipped)
        if json {
            try Output.json(report)
        } else if items.isEmpty {
            Output.line("\(subject.name): healthy (\(evaluation.evaluated.count) invariants checked)")
        } else {
            var table = TextTable("SEVERITY", "INVARIANT", "ENTITY", "MESSAGE")
            for v in evaluation.violations.sorted(by: { ($0.severity, $1.entity) > ($1.severity, $0.entity) }) {
                table.add(v.severity.rawValue, v.invariant, v.entity.description, v.message)
            }
            Output.line(table.render(maxCell: 120))
        }
        if !json, !evaluation.skipped.isEmpty {
            for (id, reason) in evaluation.skipped.sorted(by: { $0.key < $1.key }) {
                Output.note("skipped \(id): \(reason)")
            }
        }
        if !items.isEmpty { throw CLIFailure.exit(1) }
    }
}
