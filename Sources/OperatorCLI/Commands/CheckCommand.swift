import ArgumentParser
import Foundation
import OperatorCore

struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Observe the cluster once and check every invariant (nothing is stored).",
        discussion: """
            Exit status: 0 healthy, 1 violations found, 2 unknown — the cluster could not be observed, or part of it went unseen — or bad usage. Usable from scripts and CI: `operator check --subject tikv --endpoints http://pd:2379 --json`.

            Never "healthy" when blind. Violations win; otherwise the verdict is unknown (exit 2) when a critical invariant could not be evaluated, or any invariant could not be evaluated because a data source failed (a PD path, a Prometheus server, a metrics page: the reason names its URL). Invariants skipped only for want of samples (a rate needs two scrapes, no traffic yet) are listed but leave the verdict healthy, so a single `check` on a quiet cluster still passes.
            """)

    @OptionGroup var cluster: ClusterOptions
    @Option(help: "Log level for diagnostics on stderr (trace … critical).") var logLevel: String?
    @Flag(help: "Print one JSON object: cluster, subject, verdict (healthy, violations, unknown), healthy, violations, skipped, skipped_critical, failed_sources.")
    var json = false

    struct Report: Encodable {
        struct Item: Encodable {
            var invariant: String
            var entity: Entity
            var severity: Severity
            var message: String
        }

        /// The configured cluster checked (`default` without a `clusters:` list in operator.yaml).
        var cluster: String
        var subject: String
        var verdict: Verdict
        /// True only for the `healthy` verdict: never when part of the cluster went unseen.
        var healthy: Bool
        var violations: [Item]
        /// Invariants that could not be evaluated on this snapshot, with the reason.
        var skipped: [String: String]
        /// Ids of the skipped invariants that are critical.
        var skippedCritical: [String]
        /// Data sources that failed, each naming its URL.
        var failedSources: [String]

        enum CodingKeys: String, CodingKey {
            case cluster, subject, verdict, healthy, violations, skipped
            case skippedCritical = "skipped_critical"
            case failedSources = "failed_sources"
        }
    }

    func run() async throws {
        try CLILogging.bootstrap(level: logLevel, fallback: .warning)
        let resolved = try cluster.resolve()
        try await check(try resolved.makeSubject(), cluster: resolved.clusterName, endpoints: resolved.configuration.endpoints)
    }

    private func check<S: Subject>(_ subject: S, cluster: String, endpoints: [String]) async throws {
        let evaluation: Evaluation<S.Snapshot>
        do {
            evaluation = try await subject.check()
        } catch {
            throw CLIFailure("cannot observe \(subject.name) at \(endpoints.joined(separator: ", ")): \(error)", exitCode: 2)
        }
        let items = evaluation.violations.map {
            Report.Item(invariant: $0.invariant, entity: $0.entity, severity: $0.severity, message: $0.message)
        }
        let verdict = evaluation.verdict
        let report = Report(
            cluster: cluster, subject: subject.name, verdict: verdict, healthy: verdict == .healthy, violations: items,
            skipped: evaluation.skipped, skippedCritical: evaluation.skippedCritical,
            failedSources: evaluation.failedSources)
        if json {
            try Output.json(report)
        } else {
            switch verdict {
            case .healthy:
                Output.line("\(subject.name): healthy (\(evaluation.evaluated.count) invariants checked)")
            case .unknown:
                Output.line(
                    "\(subject.name): unknown — \(evaluation.skipped.count) invariant(s) without a verdict, "
                        + "\(evaluation.evaluated.count) checked without violations")
                for source in evaluation.failedSources { Output.line("  failing source: \(source)") }
                for id in evaluation.skippedCritical {
                    Output.line("  critical invariant not evaluated: \(id): \(evaluation.skipped[id] ?? "")")
                }
            case .violations:
                var table = TextTable("SEVERITY", "INVARIANT", "ENTITY", "MESSAGE")
                for v in evaluation.violations.sorted(by: { ($0.severity, $1.entity) > ($1.severity, $0.entity) }) {
                    table.add(v.severity.rawValue, v.invariant, v.entity.description, v.message)
                }
                Output.line(table.render(maxCell: 120))
            }
        }
        if !json, !evaluation.skipped.isEmpty {
            for (id, reason) in evaluation.skipped.sorted(by: { $0.key < $1.key }) {
                Output.note("skipped \(id): \(reason)")
            }
        }
        switch verdict {
        case .healthy: return
        case .violations: throw CLIFailure.exit(1)
        case .unknown: throw CLIFailure.exit(2)
        }
    }
}
