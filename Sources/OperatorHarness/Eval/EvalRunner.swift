import Foundation
import Logging
import OperatorConfiguration
import OperatorCore
import OperatorHarness
import Synchronization

/// Runs one scenario: starts its cluster, injects its faults on schedule, lets the production monitor and
/// diagnosis runner work, and compares the graded incident's final diagnosis with the expectation.
///
/// The graded incident is the one holding a ticket on the primary fault's entity; its diagnosis must name
/// the expected category *and* entity, with every distractor's tickets open beside it.
public struct EvalRunner: Sendable {
    public struct Outcome: Sendable, Encodable {
        public struct Got: Sendable, Codable, Equatable {
            public var category: String
            public var entity: String

            public init(category: String, entity: String) {
                self.category = category
                self.entity = entity
            }
        }

        public var name: String
        /// Which run of the scenario this is (1…`--repeat`).
        public var run: Int = 1
        public var expected: EvalScenario.Expectation
        public var got: Got?
        /// Every expected cause graded (category and entity); `correct` when all are right.
        public var causes: [CauseResult] = []
        public var correct: Bool
        /// Incidents the run ended with (merged ones not counted); `nil` for a replay or a failed run.
        public var incidents: Int?
        public var expectedIncidents: IncidentCount?
        /// Whether `incidents` is in `expectedIncidents`; `nil` when the scenario states no count.
        public var incidentsCorrect: Bool?
        /// Forbidden statements found, unsupported claims, claims of diagnoses the audit rejected.
        public var falseStatements: [FalseStatement] = []
        /// Why the scenario could not run on this machine (a fault it cannot inject); not graded.
        public var skipped: String?
        public var seconds: Double
        public var error: String?
        /// Times the diagnoser was asked about the graded incident (failed calls included). The offline
        /// diagnoser's calls are free; a model diagnoser's are paid requests.
        public var diagnoserCalls: Int
        /// Times it was asked about any incident of the scenario.
        public var diagnoserCallsTotal: Int
        /// What those calls cost: tokens, seconds, dollars at the configured price.
        public var model: ModelUsage

        public init(
            name: String, run: Int = 1, expected: EvalScenario.Expectation, got: Got?, causes: [CauseResult]? = nil,
            incidents: Int? = nil, expectedIncidents: IncidentCount? = nil, falseStatements: [FalseStatement] = [],
            skipped: String? = nil, seconds: Double = 0, error: String? = nil, diagnoserCalls: Int = 0, diagnoserCallsTotal: Int = 0,
            model: ModelUsage = ModelUsage()
        ) {
            self.name = name
            self.run = run
            self.expected = expected
            self.got = got
            self.causes = causes ?? [CauseResult(expected: expected, got: got)]
            self.correct = skipped == nil && !self.causes.isEmpty && self.causes.allSatisfy(\.correct)
            self.incidents = incidents
            self.expectedIncidents = expectedIncidents
            self.incidentsCorrect = skipped != nil ? nil : expectedIncidents.map { expected in incidents.map(expected.accepts) ?? false }
            self.falseStatements = falseStatements
            self.skipped = skipped
            self.seconds = seconds
            self.error = error
            self.diagnoserCalls = diagnoserCalls
            self.diagnoserCallsTotal = diagnoserCallsTotal
            self.model = model
        }

        enum CodingKeys: String, CodingKey {
            case name, run, expected, got, causes, correct, incidents, skipped, seconds, error, model
            case expectedIncidents = "expected_incidents"
            case incidentsCorrect = "incidents_correct"
            case falseStatements = "false_statements"
            case diagnoserCalls = "diagnoser_calls"
            case diagnoserCallsTotal = "diagnoser_calls_total"
        }
    }

    /// The graded diagnosis and what it cost.
    private struct Graded {
        var got: Outcome.Got
        var calls: Int
        var totalCalls: Int
        /// Final diagnoses of every incident of the run (for further causes).
        var finals: [Outcome.Got] = []
        var incidents: Int?
    }

    /// A fault the scenario needs that the target cannot inject on this machine.
    struct Skipped: Error {
        var reason: String
    }

    /// The subjects scenarios may name.
    public var registry: SubjectRegistry
    /// Makes the diagnoser under test for a scenario's subject.
    public var diagnosers: any EvalDiagnoserMaking
    /// Starts a scenario's cluster (in `workDirectory`) as something faults can be injected into.
    public var targets: @Sendable (_ scenario: EvalScenario, _ workDirectory: String, Logger) async throws -> any ChaosTarget
    /// Lets a tick timeout name the requests it waited for (the composition root knows the HTTP layer).
    public var pendingWork: @Sendable () -> (any PendingWorkTracker)?
    public var interval: Duration
    public var timeout: Duration
    /// Prices the model calls (`diagnosis.price_per_mtok`); nil reports tokens without a cost.
    public var price: ModelPrice?
    public var logger: Logger

    public init(
        registry: SubjectRegistry, diagnosers: any EvalDiagnoserMaking,
        targets: @escaping @Sendable (EvalScenario, String, Logger) async throws -> any ChaosTarget,
        pendingWork: @escaping @Sendable () -> (any PendingWorkTracker)? = { nil }, interval: Duration, timeout: Duration,
        price: ModelPrice? = nil, logger: Logger
    ) {
        self.registry = registry
        self.diagnosers = diagnosers
        self.targets = targets
        self.pendingWork = pendingWork
        self.interval = interval
        self.timeout = timeout
        self.price = price
        self.logger = logger
    }

    public func run(_ scenario: EvalScenario, run index: Int = 1) async -> Outcome {
        let clock = ContinuousClock(), start = clock.now
        var graded: Graded?
        var failure: String?
        var skipped: String?
        let counter = CallLedger()
        do {
            if let replay = scenario.replay {
                graded = try await replayContext(replay, scenario: scenario, counter: counter)
            } else {
                graded = try await runCluster(scenario, counter: counter)
            }
        } catch is CancellationError {
            failure = "interrupted"
        } catch let skip as Skipped {
            skipped = skip.reason
        } catch {
            failure = "\(error)"
        }
        let got = graded?.got
        // A failed scenario still made the calls it made, and its diagnoses still said what they said.
        let total = graded?.totalCalls ?? counter.totalCalls
        let causes = EvalGrading.causes(scenario.grading.causes, primary: got, finals: graded?.finals ?? [])
        return Outcome(
            name: scenario.name, run: index, expected: scenario.expect, got: got, causes: causes, incidents: graded?.incidents,
            expectedIncidents: scenario.replay == nil ? scenario.grading.incidents : nil,
            falseStatements: EvalGrading.falseStatements(forbid: scenario.grading.forbid, diagnoses: counter.records),
            skipped: skipped, seconds: (clock.now - start).seconds, error: failure, diagnoserCalls: graded?.calls ?? total,
            diagnoserCallsTotal: total, model: counter.usage.priced(price))
    }

    private func counting(_ engine: any Diagnoser, into counter: CallLedger) -> CountingDiagnoser {
        let recording = RecordingDiagnoser(engine)
        let counting = CountingDiagnoser(recording)
        counter.engine.withLock { $0 = counting }
        counter.recorder.withLock { $0 = recording }
        return counting
    }

    /// The scenario's counting and recording diagnosers once made, so a failed scenario still reports its
    /// calls and what its diagnoses said.
    final class CallLedger: Sendable {
        let engine = Mutex<CountingDiagnoser?>(nil)
        let recorder = Mutex<RecordingDiagnoser?>(nil)
        var totalCalls: Int { engine.withLock { $0?.totalCalls } ?? 0 }
        var records: [DiagnosisRecord] { recorder.withLock { $0?.records } ?? [] }
        var usage: ModelUsage { recorder.withLock { $0?.usage } ?? ModelUsage() }
    }

    private func replayContext(_ path: String, scenario: EvalScenario, counter: CallLedger) async throws -> Graded {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch { throw HarnessError("cannot read replayed context \(path)") }
        let context = try JSONDecoder.operatorDecoder.decode(DiagnosisContext.self, from: data)
        let registration = try registry.registration(named: context.subject)
        let subject = try registration.make(SubjectConfiguration(endpoints: registration.defaultEndpoints))
        return try await diagnose(context, with: subject, counter: counter)
    }

    private func diagnose<S: Subject>(_ context: DiagnosisContext, with subject: S, counter: CallLedger) async throws
        -> Graded
    {
        let engine = counting(try diagnosers.make(for: subject), into: counter)
        let d = try await engine.diagnose(context)
        try d.validate(against: context)
        return Graded(
            got: Outcome.Got(category: d.rootCause.category, entity: d.rootCause.entity.description), calls: engine.totalCalls,
            totalCalls: engine.totalCalls)
    }

    private func runCluster(_ scenario: EvalScenario, counter: CallLedger) async throws -> Graded {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("operator-eval-\(UUID().uuidString)").path
        do {
            try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        } catch {
            throw HarnessError("cannot create a working directory \(work): \(error)")
        }
        defer { try? FileManager.default.removeItem(atPath: work) }
        let target = try await targets(scenario, work, logger)
        if let reason = (scenario.setup + scenario.faults).lazy.compactMap({ target.unavailableReason(for: $0.kind) }).first {
            await Self.cleanup { await target.stop() }
            throw Skipped(reason: reason)
        }
        do {
            for step in scenario.setup {
                try await target.inject(FaultSpec(kind: step.kind, entity: try Entity(parsing: step.target)))
            }
            let got = try await grade(scenario, on: target, database: (work as NSString).appendingPathComponent("operator.db"), counter: counter)
            await Self.cleanup { await target.stop() }
            return got
        } catch {
            await Self.cleanup { await target.stop() }
            throw error
        }
    }

    /// Runs `work` to completion even when the caller was cancelled (Ctrl-C): what was started is stopped.
    public static func cleanup(_ work: @escaping @Sendable () async -> Void) async {
        await Task { await work() }.value
    }

    private func grade(_ scenario: EvalScenario, on target: any ChaosTarget, database: String, counter: CallLedger)
        async throws -> Graded
    {
        let registration = try registry.registration(named: target.subject)
        let subject = try registration.make(SubjectConfiguration(endpoints: target.endpoints, logger: logger))
        return try await grade(scenario, subject: subject, target: target, database: database, counter: counter)
    }

    private func grade<S: Subject>(
        _ scenario: EvalScenario, subject: S, target: any ChaosTarget, database: String, counter: CallLedger
    ) async throws -> Graded {
        let engine = counting(try diagnosers.make(for: subject), into: counter)
        let schedule = try scenario.faults.map { f in
            ChaosRun<S>.ScheduledFault(
                fault: FaultSpec(kind: f.kind, entity: try Entity(parsing: f.target)),
                after: try f.at.map { try DurationText.duration($0) } ?? .zero)
        }
        let primary = try FaultSpec(kind: scenario.primaryFault.kind, entity: Entity(parsing: scenario.primaryFault.target))
        let run = ChaosRun(
            subject: subject, target: target, diagnoser: engine,
            options: .init(interval: interval, healthyTimeout: timeout, detectTimeout: timeout, diagnoseTimeout: timeout,
                           // Independent faults: long enough after the last one for its own incident to open; a
                           // scenario may ask for longer (`settle:`) when its fault takes time to show what it is.
                           databasePath: database,
                           settle: max(interval * (scenario.grading.causes.count > 1 ? 8 : 3), scenario.settle ?? .zero),
                           strictEntity: true, awaitEveryIncident: scenario.grading.causes.count > 1),
            logger: logger, pendingWork: pendingWork())
        let result = try await run.run(primary: primary, schedule: schedule) { _ in }
        guard let d = result.incident?.diagnosis ?? result.ticket?.diagnosis else {
            throw HarnessError("the incident was never diagnosed")
        }
        let incidentID = result.incident?.id ?? result.ticket?.incidentID
        // Every incident the run ended with, as the store holds them after the services stopped.
        let all = try await SQLiteTicketStore(path: database).incidents(.all)
        return Graded(
            got: Outcome.Got(category: d.rootCause.category, entity: d.rootCause.entity.description),
            calls: incidentID.map(engine.calls(incident:)) ?? engine.totalCalls, totalCalls: engine.totalCalls,
            finals: all.compactMap { $0.diagnosis.map { Outcome.Got(category: $0.rootCause.category, entity: $0.rootCause.entity.description) } },
            incidents: all.count)
    }
}

/// Makes the diagnoser an eval run grades, for whichever subject a scenario names.
public protocol EvalDiagnoserMaking: Sendable {
    func make<S: Subject>(for subject: S) throws -> any Diagnoser
}
