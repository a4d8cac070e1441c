import Foundation
import Logging
import OperatorCore
import TiKVSimulator

/// Runs one scenario: starts its cluster, injects its faults on schedule, lets the production monitor and
/// diagnosis runner work, and compares the graded incident's final diagnosis with the expectation.
///
/// The graded incident is the one holding a ticket on the primary fault's entity; its diagnosis must name
/// the expected category *and* entity, with every distractor's tickets open beside it.
struct EvalRunner {
    struct Outcome: Sendable, Encodable {
        struct Got: Sendable, Encodable, Equatable {
            var category: String
            var entity: String
        }

        var name: String
        var expected: EvalScenario.Expectation
        var got: Got?
        var correct: Bool
        var seconds: Double
        var error: String?
    }

    var diagnoserName: String
    var overrides: DiagnoserFactory.ModelSettings
    var interval: Duration
    var timeout: Duration
    var logger: Logger

    func run(_ scenario: EvalScenario) async -> Outcome {
        let clock = ContinuousClock(), start = clock.now
        var got: Outcome.Got?
        var failure: String?
        do {
            if let replay = scenario.replay {
                got = try await replayContext(replay, scenario: scenario)
            } else {
                got = try await runCluster(scenario)
            }
        } catch is CancellationError {
            failure = "interrupted"
        } catch {
            failure = "\(error)"
        }
        let correct = got.map { $0.category == scenario.expect.category && $0.entity == scenario.expect.entity.description } ?? false
        return Outcome(name: scenario.name, expected: scenario.expect, got: got, correct: correct,
                       seconds: (clock.now - start).seconds, error: failure)
    }

    private func replayContext(_ path: String, scenario: EvalScenario) async throws -> Outcome.Got {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch { throw CLIFailure("cannot read replayed context \(path)") }
        let context = try JSONDecoder.operatorDecoder.decode(DiagnosisContext.self, from: data)
        let registration = try LinkedSubjects.registry.registration(named: context.subject)
        let subject = try registration.make(SubjectConfiguration(endpoints: registration.defaultEndpoints))
        return try await diagnose(context, with: subject)
    }

    private func diagnose<S: Subject>(_ context: DiagnosisContext, with subject: S) async throws -> Outcome.Got {
        let engine = try DiagnoserFactory.make(diagnoserName, for: subject, config: .empty, overrides: overrides)
        let d = try await engine.diagnose(context)
        try d.validate(against: context)
        return Outcome.Got(category: d.rootCause.category, entity: d.rootCause.entity.description)
    }

    private func runCluster(_ scenario: EvalScenario) async throws -> Outcome.Got {
        let work = try WorkDirectory(prefix: "operator-eval")
        defer { work.remove() }
        let target: any ChaosTarget
        switch scenario.subject {
        case "etcd":
            target = try await ChaosTargets.deploy(
                subject: "etcd", backend: "process", members: scenario.cluster.members ?? 3, stateDirectory: work.file("deploy"),
                logger: logger, progress: { _ in })
        default:
            var configuration = TiKVSimulatorConfiguration(
                pdMembers: scenario.cluster.pd ?? 3, stores: scenario.cluster.stores ?? 3, regions: scenario.cluster.regions ?? 30,
                timeScale: 20, qps: scenario.load.qps ?? 0)
            configuration.logDirectory = work.file("logs")
            target = try await SimulatorChaosTarget.start(configuration)
        }
        do {
            let got = try await grade(scenario, on: target, database: work.file("operator.db"))
            await Interruptible.cleanup { await target.stop() }
            return got
        } catch {
            await Interruptible.cleanup { await target.stop() }
            throw error
        }
    }

    private func grade(_ scenario: EvalScenario, on target: any ChaosTarget, database: String) async throws -> Outcome.Got {
        let registration = try LinkedSubjects.registry.registration(named: target.subject)
        let subject = try registration.make(SubjectConfiguration(endpoints: target.endpoints, logger: logger))
        return try await grade(scenario, subject: subject, target: target, database: database)
    }

    private func grade<S: Subject>(_ scenario: EvalScenario, subject: S, target: any ChaosTarget, database: String) async throws
        -> Outcome.Got
    {
        let engine = try DiagnoserFactory.make(diagnoserName, for: subject, config: .empty, overrides: overrides)
        let schedule = try scenario.faults.map { f in
            ChaosRun<S>.ScheduledFault(
                fault: FaultSpec(kind: f.kind, entity: try Entity(parsing: f.target)),
                after: try f.at.map { try DurationText.duration($0) } ?? .zero)
        }
        let primary = try FaultSpec(kind: scenario.primaryFault.kind, entity: Entity(parsing: scenario.primaryFault.target))
        let run = ChaosRun(
            subject: subject, target: target, diagnoser: engine,
            options: .init(interval: interval, healthyTimeout: timeout, detectTimeout: timeout, diagnoseTimeout: timeout,
                           databasePath: database, settle: interval * 3, strictEntity: true),
            logger: logger)
        let result = try await run.run(primary: primary, schedule: schedule) { _ in }
        guard let d = result.incident?.diagnosis ?? result.ticket?.diagnosis else {
            throw CLIFailure("the incident was never diagnosed")
        }
        return Outcome.Got(category: d.rootCause.category, entity: d.rootCause.entity.description)
    }
}
