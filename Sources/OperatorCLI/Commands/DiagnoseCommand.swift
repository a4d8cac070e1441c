import ArgumentParser
import Foundation
import Logging
import OperatorConfiguration
import OperatorCore
import ServiceLifecycle

struct DiagnoseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diagnose",
        abstract: "Diagnose incidents: offline rules by default, Claude or an OpenAI-compatible model on request.",
        discussion: """
            Without --ticket or --incident, diagnoses every incident of the cluster (--cluster, or the only one configured) awaiting diagnosis. Evidence is gathered from the cluster (give --endpoints as for `monitor`); with --replay, the context stored with the incident's last diagnosis is diagnosed again without touching the cluster, to compare diagnosers or to make an eval fixture (--export-context).

            Observe-only: recommended actions are advice, nothing is executed. A failed model call leaves tickets `created` with the error recorded.
            """)

    @Option(help: "Diagnose the incident this ticket belongs to.") var ticket: Int64?
    @Option(help: "Diagnose this incident.") var incident: Int64?
    @Flag(help: "Diagnose every incident awaiting diagnosis (the default without --ticket/--incident).") var all = false
    @Flag(help: "Keep running and diagnose incidents as they open, until SIGINT/SIGTERM.") var watch = false
    @Flag(help: "Diagnose the stored context of the incident's last diagnosis again, without the cluster; prints, stores nothing.")
    var replay = false
    @Option(help: ArgumentHelp("With --replay: also write the stored context to this file (an eval scenario).", valueName: "path"))
    var exportContext: String?

    @Option(help: ArgumentHelp("offline (default), anthropic (needs ANTHROPIC_API_KEY) or openai (any OpenAI-compatible endpoint).", valueName: "name"))
    var diagnoser: String?
    @Option(help: ArgumentHelp("Model id for anthropic/openai (default: ANTHROPIC_MODEL/OPENAI_MODEL, operator.yaml, a current Claude Sonnet).", valueName: "id"))
    var model: String?
    @Option(help: ArgumentHelp("Model endpoint base URL (default: ANTHROPIC_BASE_URL/OPENAI_BASE_URL, operator.yaml).", valueName: "url"))
    var baseURL: String?
    @Option(help: "Incidents diagnosed at once.") var concurrency: Int = 2
    @OptionGroup var limits: ModelLimitOptions

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var database: DatabaseOptions
    @Option(help: "Log level on stderr (trace … critical).") var logLevel: String?
    @Flag(help: "Print a JSON array of {incident_id, cluster, diagnosis, error}.") var json = false

    struct Result: Encodable {
        var incidentID: Int64
        var cluster: String
        var diagnosis: Diagnosis?
        var error: String?

        enum CodingKeys: String, CodingKey {
            case incidentID = "incident_id"
            case cluster, diagnosis, error
        }
    }

    func validate() throws {
        if ticket != nil && incident != nil { throw ValidationError("give --ticket or --incident, not both") }
        if replay && ticket == nil && incident == nil { throw ValidationError("--replay needs --ticket or --incident") }
        if replay && watch { throw ValidationError("--replay and --watch do not go together") }
        if exportContext != nil && !replay { throw ValidationError("--export-context goes with --replay") }
        if let problem = SettingLimits.diagnosisConcurrency.problem(with: concurrency, from: .flag("--concurrency")) {
            throw ValidationError(problem.message)
        }
    }

    func run() async throws {
        try CLILogging.bootstrap(level: logLevel, fallback: watch ? .notice : .warning)
        let file = try cluster.config.load()
        let store = try await database.openExisting(config: file)
        let target = try await targetIncident(store)
        let found = try await incident(target, store: store)
        if let found, let asked = cluster.cluster, asked != found.cluster {
            throw CLIFailure(
                "incident #\(found.id) belongs to cluster \(found.cluster), not \(asked); drop --cluster or pass --cluster \(found.cluster)",
                exitCode: 2)
        }
        // An incident is diagnosed with its own cluster's settings when operator.yaml configures that cluster.
        let resolved = try cluster.resolve(
            logger: Logger(label: "operator"), knownSubject: found?.subject, knownCluster: found?.cluster)
        try await diagnose(
            try resolved.makeSubject(), store: store, target: target, file: resolved.file, clusterName: resolved.clusterName)
    }

    private func targetIncident(_ store: CLITicketStore) async throws -> Int64? {
        if let incident { return incident }
        guard let ticket else { return nil }
        guard let t = try await store.ticket(id: ticket) else {
            throw CLIFailure(NotFoundError(what: "ticket", id: ticket, path: store.displayLocation).description)
        }
        guard let id = t.incidentID else { throw CLIFailure("ticket #\(ticket) belongs to no incident yet; run the monitor once more") }
        return id
    }

    private func incident(_ id: Int64?, store: CLITicketStore) async throws -> Incident? {
        guard let id else { return nil }
        guard let found = try await store.incident(id: id) else {
            throw CLIFailure(NotFoundError(what: "incident", id: id, path: store.displayLocation).description)
        }
        return found
    }

    private func diagnose<S: Subject>(
        _ subject: S, store: CLITicketStore, target: Int64?, file: OperatorConfigFile, clusterName: String
    ) async throws {
        let name = try diagnoser ?? file.section("diagnosis")["diagnoser"]?.stringValue ?? "offline"
        let limits = try self.limits.limits(file: file)
        let engine = try DiagnoserFactory.make(
            name, for: subject, config: file, overrides: .init(model: model, baseURL: baseURL), limits: limits)
        let logger = Logger(label: "operator")

        if replay, let target {
            return try await replayContext(of: target, with: engine, store: store)
        }
        let runner = DiagnosisRunner(
            subject: subject, store: store, diagnoser: engine,
            configuration: DiagnosisRunner<S>.Configuration(
                concurrency: concurrency, budget: ContextBudget(maxTokens: limits.contextTokens), cluster: clusterName),
            logger: logger,
            onOutcome: watch ? { @Sendable outcome in Self.report([outcome], json: false) } : nil)
        if watch {
            logger.notice(
                "diagnosing \(subject.name) incidents as they open",
                metadata: ["cluster": "\(clusterName)", "diagnoser": "\(engine.name)", "db": "\(store.displayLocation)"])
            var config = ServiceGroupConfiguration(services: [runner], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
            config.maximumGracefulShutdownDuration = Duration.seconds(5)
            return try await ServiceGroup(configuration: config).run()
        }
        let outcomes: [DiagnosisRunner<S>.Outcome]
        if let target {
            outcomes = try await runner.diagnose(incidentIDs: [target])
        } else {
            var collected: [DiagnosisRunner<S>.Outcome] = []
            // Rounds until nothing is left: each round claims up to `concurrency` incidents.
            while case let round = await runner.diagnosePending(), !round.isEmpty { collected += round }
            outcomes = collected
        }
        if outcomes.isEmpty && !json { Output.line("No incident awaits diagnosis in \(store.displayLocation).") }
        Self.report(outcomes, json: json)
        if outcomes.contains(where: { $0.error != nil }) { throw CLIFailure.exit(1) }
    }

    private func replayContext(of incident: Int64, with engine: any Diagnoser, store: CLITicketStore) async throws {
        let cluster = try await store.incident(id: incident)?.cluster ?? ClusterName.default
        guard let context = try await store.diagnosisContext(incidentID: incident) else {
            throw CLIFailure("incident #\(incident) has no stored diagnosis context yet; diagnose it once first (operator diagnose --incident \(incident))")
        }
        if let exportContext {
            try JSONEncoder.operatorPrettyEncoder.encode(context).write(to: URL(fileURLWithPath: exportContext))
            Output.note("context written to \(exportContext)")
        }
        do {
            var diagnosis = try await engine.diagnose(context)
            diagnosis.diagnoser = engine.name
            try diagnosis.validate(against: context)
            // The same audit the runner applies: rules must not state what the context lacks; a model's
            // unsupported claims are listed and lower its confidence.
            try diagnosis.audit(against: context, strict: diagnosis.diagnoser == "offline")
            Self.report([Result(incidentID: incident, cluster: cluster, diagnosis: diagnosis, error: nil)], json: json, replay: true)
        } catch {
            Self.report(
                [Result(incidentID: incident, cluster: cluster, diagnosis: nil, error: Redactor.fromEnvironment().redact("\(error)"))], json: json, replay: true)
            throw CLIFailure.exit(1)
        }
    }

    static func report<S: Subject>(_ outcomes: [DiagnosisRunner<S>.Outcome], json: Bool) {
        report(outcomes.map { Result(incidentID: $0.incidentID, cluster: $0.cluster, diagnosis: $0.diagnosis, error: $0.error) }, json: json)
    }

    /// `replay`: nothing was stored, so a failure changes nothing and nothing will retry it.
    static func report(_ results: [Result], json: Bool, replay: Bool = false) {
        if json {
            try? Output.json(results)
            return
        }
        for r in results {
            Output.line("Incident #\(r.incidentID)")
            if let d = r.diagnosis {
                Output.line(DiagnosisRendering.render(d))
            } else {
                let consequence = replay
                    ? "replay stores nothing; the incident and its stored diagnosis are unchanged"
                    : "its tickets stay `created` and it will be retried"
                Output.line("  diagnosis failed: \(r.error ?? "unknown error"); \(consequence)")
            }
            Output.line()
        }
    }
}
