import DeployLocal
import Foundation
import OperatorCore
import TiKVSimulator

/// The TiKV simulator as a deployment backend of the TiKV subject (`deploy up --subject tikv --backend
/// simulator`): this very program's `simulate run`, kept running as a detached process, whose control
/// endpoint injects every simulated fault. Lives at the composition root because it names both the
/// subject and the simulator, which know nothing of each other.
enum SimulatorDeploymentRecipe {
    static let backend = "simulator"
    /// PD members the simulated cluster has (pd-leader-down needs 2 or more).
    static let pdMembers = 3

    /// The TiKV registration with the simulator backend added.
    static func adding(to registration: SubjectRegistration) -> SubjectRegistration {
        var registration = registration
        registration.deployments[backend] = recipe(executable: currentExecutable())
        return registration
    }

    static func recipe(executable: String) -> DeploymentRecipe {
        DeploymentRecipe(
            backend: backend,
            summary: "the embedded TiKV simulator (`operator simulate`) in the background: PD's API and store status servers on loopback, every simulated fault"
        ) { options in
            try plan(options, executable: executable)
        }
    }

    static func plan(_ options: DeploymentOptions, executable: String) throws -> DeploymentPlan {
        guard (1...1000).contains(options.members) else {
            throw SimulatorRecipeError("--members (stores) must be 1…1000, got \(options.members)")
        }
        let listeners = pdMembers + options.members
        let base: Int
        if let chosen = options.basePort {
            guard chosen > 0, chosen + listeners - 1 <= 65_535 else {
                throw SimulatorRecipeError("--base-port \(chosen) leaves no room for \(listeners) ports (PD members, then stores) below 65536")
            }
            base = chosen
        } else {
            // Unlike a real cluster the simulator has no conventional port: a free block keeps it clear
            // of a local etcd or PD on 2379.
            guard let free = LocalPorts.freeBlock(count: listeners) else {
                throw SimulatorRecipeError("no block of \(listeners) free loopback ports found; choose one with --base-port")
            }
            base = free
        }
        let timeScale = options.extra["time-scale"] ?? "20"
        let logDirectory = (options.stateDirectory as NSString).appendingPathComponent("simulator-logs")
        let pd = "http://127.0.0.1:\(base)"
        let member = ProcessClusterPlan.Member(
            entity: Entity(kind: "simulator", id: "1"), executable: executable,
            arguments: [
                "simulate", "run", "--stores", String(options.members), "--pd", String(pdMembers), "--port", String(base),
                "--time-scale", timeScale, "--log-dir", logDirectory,
            ],
            ports: Array(base..<(base + listeners)), endpoint: pd,
            healthURL: pd + SimulatorControl.pathPrefix + "/state", dataDirectory: "simulator-logs")
        let control = FaultControlEndpoint(
            injectURL: pd + SimulatorControl.pathPrefix + "/faults/inject",
            liftURL: pd + SimulatorControl.pathPrefix + "/faults/lift",
            offers: offers, aliases: ["kill": SimulatedFaultKind.storeDown.rawValue])
        return .processes(ProcessClusterPlan(
            subject: "tikv", members: [member], installHint: "it is this program (`operator simulate`)", faultControl: control,
            backend: backend))
    }

    /// Every simulated fault kind, and `kill` for a store as the other backends spell it.
    static var offers: [FaultOffer] {
        let simulated = SimulatedFaultKind.allCases.map { kind in
            FaultOffer(
                kind: kind.rawValue, entityKinds: kind.entityKinds,
                summary: kind.summary, lift: "lifted in the simulator")
        }
        let kill = FaultOffer(
            kind: "kill", entityKinds: ["store"], summary: "the store's process dies (simulated store-down)",
            lift: "lifted in the simulator")
        return [kill] + simulated
    }

    /// This program's path, so the deployment can start `operator simulate` again on restart.
    static func currentExecutable() -> String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        return Bundle.main.executablePath ?? CommandLine.arguments.first ?? "operator"
    }
}

struct SimulatorRecipeError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
