import Foundation
import Logging
import OperatorConfiguration
import OperatorCore
import OperatorHarness
import TiKVSimulator

/// What `operator eval` plugs into the harness's runner: the linked subjects, the chosen diagnoser, and
/// how each scenario's cluster starts.
enum EvalComposition {
    struct Diagnosers: EvalDiagnoserMaking {
        var name: String
        var overrides: DiagnoserFactory.ModelSettings
        /// operator.yaml's `diagnosis:` section (model settings) and the limits after the flags.
        var config: OperatorConfigFile = .empty
        var limits: ModelCallLimits? = nil

        func make<S: Subject>(for subject: S) throws -> any Diagnoser {
            try DiagnoserFactory.make(name, for: subject, config: config, overrides: overrides, limits: limits)
        }
    }

    /// `subject: tikv-sim` (and no subject at all) meant the simulator before scenarios named backends.
    static let spellings = EvalScenario.Spellings(
        deprecated: ["tikv-sim": .init(subject: "tikv", backend: SimulatorDeploymentRecipe.backend)],
        unnamed: .init(subject: "tikv", backend: SimulatorDeploymentRecipe.backend))

    /// The simulator runs in this process for eval (no second program per scenario); every other backend
    /// is the subject's recipe deployed on free ports.
    @Sendable
    static func target(_ scenario: EvalScenario, workDirectory: String, logger: Logger) async throws -> any ChaosTarget {
        let work = { (name: String) in (workDirectory as NSString).appendingPathComponent(name) }
        if scenario.subject == "tikv", scenario.backend == SimulatorDeploymentRecipe.backend {
            var configuration = TiKVSimulatorConfiguration(
                pdMembers: scenario.cluster.pd ?? 3, stores: scenario.cluster.stores ?? 3, regions: scenario.cluster.regions ?? 30,
                timeScale: 20, qps: scenario.load.qps ?? 0)
            configuration.logDirectory = work("logs")
            return try await SimulatorChaosTarget.start(configuration)
        }
        return try await ChaosTargets.deploy(
            subject: scenario.subject, backend: scenario.backend, members: scenario.cluster.members ?? scenario.cluster.stores ?? 3,
            stateDirectory: work("deploy"), extra: scenario.cluster.options ?? [:], logger: logger, progress: { _ in })
    }
}
