import Foundation
import Logging
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
        public struct Got: Sendable, Encodable, Equatable {
            public var category: String
            public var entity: String
        }

        public var name: String
        public var expected: EvalScenario.Expectation
        public var got: Got?
        public var correct: Bool
        public var seconds: Double
        public var error: String?
        /// Times the diagnoser was asked about the graded incident (failed calls included). The offline
        /// diagnoser's calls are free; a model diagnoser's are paid requests.
        public var diagnoserCalls: Int
        /// Times it was asked about any incident of the scenario.
        public var diagnoserCallsTotal: Int

        enum CodingKeys: String, CodingKey {
            case name, expected, got, correct, seconds, error
            case diagnoserCalls = "diagnoser_calls"
            case diagnoserCallsTotal = "diagnoser_calls_total"
        }
    }

    /// The graded diagnosis and what it cost.
    private struct Graded {
        var got: Outcome.Got
        var calls: Int
        var totalCalls: Int
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
    public var logger: Logger

    public init(
        registry: SubjectRegistry, diagnosers: any EvalDiagnoserMaking,
        targets: @escaping @Sendable (EvalScenario, String, Logger) async throws -> any ChaosTarget,
        pendingWork: @escaping @Sendable () -> (any PendingWorkTracker)? = { nil }, interval: Duration, timeout: Duration,
        logger: Logger
    ) {
        self.registry = registry
        self.diagnosers = diagnosers
        self.targets = targets
        self.pendingWork = pendingWork
        self.interval = interval
        self.timeout = timeout
        self.logger = logger
    }

    public func run(_ scenario: EvalScenario) async -> Outcome {
        let clock = ContinuousClock(), start = clock.now
        var graded: Graded?
        var failure: String?
        let counter = CallLedger()
        do {
            if let replay = scenario.replay {
                graded = try await replayContext(replay, scenario: scenario, counter: counter)
            } else {
                graded = try await runCluster(scenario, counter: counter)
            }
        } catch is CancellationError {
            failure = "interrupted"
        } catch {
            failure = "\(error)"
        }
        let got = graded?.got
        let correct = got.map { $0.category == scenario.expect.category && $0.entity == scenario.expect.entity.description } ?? false
        // A failed scenario still made the calls it made.
        let total = graded?.totalCalls ?? counter.totalCalls
        return Outcome(name: scenario.name, expected: scenario.expect, got: got, correct: correct,
                       seconds: (clock.now - start).seconds, error: failure, diagnoserCalls: graded?.calls ?? total,
                       diagnoserCallsTotal: total)
    }

    private func counting(_ engine: any Diagnoser, into counter: CallLedger) -> CountingDiagnoser {
        let counting = CountingDiagnoser(engine)
        counter.engine.withLock { $0 = counting }
        return counting
    }

    /// The scenario's counting diagnoser once made, so a failed scenario still reports its calls.
    final class CallLedger: Sendable {
        let engine = Mutex<CountingDiagnoser?>(nil)
        var totalCalls: Int { engine.withLock { $0?.totalCalls } ?? 0 }
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
        do {
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
                           databasePath: database, settle: max(interval * 3, scenario.settle ?? .zero), strictEntity: true),
            logger: logger, pendingWork: pendingWork())
        let result = try await run.run(primary: primary, schedule: schedule) { _ in }
        guard let d = result.incident?.diagnosis ?? result.ticket?.diagnosis else {
            throw HarnessError("the incident was never diagnosed")
        }
        let incidentID = result.incident?.id ?? result.ticket?.incidentID
        return Graded(
            got: Outcome.Got(category: d.rootCause.category, entity: d.rootCause.entity.description),
            calls: incidentID.map(engine.calls(incident:)) ?? engine.totalCalls, totalCalls: engine.totalCalls)
    }
}

/// Makes the diagnoser an eval run grades, for whichever subject a scenario names.
public protocol EvalDiagnoserMaking: Sendable {
    func make<S: Subject>(for subject: S) throws -> any Diagnoser
}
