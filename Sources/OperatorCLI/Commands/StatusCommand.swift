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
        try await show(try resolved.makeSubject(), cluster: resolved.clusterName, endpoints: resolved.configuration.endpoints)
    }

    private func show<S: Subject>(_ subject: S, cluster: String, endpoints: [String]) async throws {
        let snapshot: S.Snapshot
        do {
            snapshot = try await subject.observe()
        } catch {
            throw CLIFailure("cannot observe \(subject.name) at \(endpoints.joined(separator: ", ")): \(error)", exitCode: 2)
        }
        if json {
            // The subject's snapshot with the configured cluster's name beside its own fields.
            var object = try JSONDecoder.operatorDecoder.decode(JSONValue.self, from: JSONEncoder.operatorEncoder.encode(snapshot))
            if case .object(var fields) = object {
                fields["cluster"] = .string(cluster)
                object = .object(fields)
            }
            return try Output.json(object)
        }
        Output.line("\(subject.name)\(cluster == ClusterName.default ? "" : " (cluster \(cluster))") observed at \(Timestamp.format(snapshot.observedAt))")
        for line in snapshot.statusLines() { Output.line("  \(line)") }
    }
}
