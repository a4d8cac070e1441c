import ArgumentParser
import OperatorCore

struct SubjectsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subjects",
        abstract: "List the kinds of cluster this build can watch, with their invariants.")

    @Flag(help: "Print JSON instead of a table.") var json = false

    struct Description: Encodable {
        var name: String
        var summary: String
        var endpointsEnvironmentVariable: String?
        var defaultEndpoints: [String]
        var invariants: [InvariantDescription]
        var categories: [DiagnosisCategory]
        var deployBackends: [String]
        var defaultBackend: String?
        var logParser: Bool

        enum CodingKeys: String, CodingKey {
            case name, summary
            case endpointsEnvironmentVariable = "endpoints_env"
            case defaultEndpoints = "default_endpoints"
            case invariants, categories
            case deployBackends = "deploy_backends"
            case defaultBackend = "default_backend"
            case logParser = "log_parser"
        }
    }

    func run() async throws {
        let descriptions = try LinkedSubjects.registry.registrations.sorted { $0.name < $1.name }.map(Self.describe)
        if json { return try Output.json(descriptions) }
        if descriptions.isEmpty { return Output.line("No subjects are linked into this build.") }
        for d in descriptions {
            Output.line("\(d.name) — \(d.summary)")
            var env = d.endpointsEnvironmentVariable.map { "$\($0), " } ?? ""
            env += d.defaultEndpoints.isEmpty ? "no default" : "default \(d.defaultEndpoints.joined(separator: ","))"
            Output.line("  endpoints: \(env)")
            if !d.deployBackends.isEmpty {
                Output.line("  deploy:    \(d.deployBackends.joined(separator: ", "))\(d.defaultBackend.map { " (default \($0))" } ?? "")")
            }
            var table = TextTable("  INVARIANT", "SEVERITY", "CHECKS")
            for i in d.invariants { table.add("  " + i.id, i.severity.rawValue, i.summary) }
            Output.line(table.render(maxCell: 100))
            Output.line("  diagnoses into: \(d.categories.map(\.id).joined(separator: ", "))")
            Output.line()
        }
    }

    static func describe(_ r: SubjectRegistration) throws -> Description {
        let subject = try r.make(SubjectConfiguration(endpoints: r.defaultEndpoints.isEmpty ? ["http://127.0.0.1:1"] : r.defaultEndpoints))
        return describe(r, subject)
    }

    static func describe<S: Subject>(_ r: SubjectRegistration, _ subject: S) -> Description {
        Description(
            name: r.name, summary: r.summary, endpointsEnvironmentVariable: r.endpointsEnvironmentVariable,
            defaultEndpoints: r.defaultEndpoints, invariants: subject.invariantDescriptions,
            categories: subject.knowledge.taxonomy, deployBackends: r.deployments.keys.sorted(),
            defaultBackend: r.defaultBackend, logParser: r.logParser != nil)
    }
}
