import ArgumentParser
import Foundation
import OperatorCore

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Observe the cluster once and show what was seen.",
        discussion: "Exit status 0 when the cluster could be observed, 2 when it could not.")

    @OptionGroup var cluster: ClusterOptions
    @Option(help: "Log level for diagnostics on stderr (trace … critical).") var logLevel: String?
    @Flag(help: "Print the whole snapshot as JSON.") var json = false

    func run() async throws {
        try CLILogging.bootstrap(level: logLevel, fallback: .warning)
        let resolved = try cluster.resolve()
        try await show(try resolved.makeSubject(), endpoints: resolved.configuration.endpoints)
    }

    private func show<S: Subject>(_ subject: S, endpoints: [String]) async throws {
        let snapshot: S.Snapshot
        do {
            snapshot = try await subject.observe()
        } catch {
            throw CLIFailure("cannot observe \(subject.name) at \(endpoints.joined(separator: ", ")): \(error)", exitCode: 2)
        }
        if json { return try Output.json(snapshot) }
        Output.line("\(subject.name) observed at \(Timestamp.format(snapshot.observedAt))")
        for line in snapshot.statusLines() { Output.line("  \(line)") }
    }
}
