import DeployLocal
import Foundation
import Logging
import OperatorCore
import OperatorHarness
import TiKVSimulator

/// Builds the chaos target a demo, eval or benchmark asked for.
enum ChaosTargets {
    /// A subject's cluster through one of its deployment recipes, on a free port block under `stateDirectory`.
    static func deploy(
        subject: String, backend: String?, members: Int, stateDirectory: String, extra: [String: String] = [:],
        logger: Logger, progress: @escaping @Sendable (String) -> Void
    ) async throws -> DeploymentChaosTarget {
        let registration: SubjectRegistration
        do { registration = try LinkedSubjects.registry.registration(named: subject) } catch { throw CLIFailure(error.description, exitCode: 2) }
        let backendName = backend ?? registration.defaultBackend ?? "process"
        guard let recipe = registration.deployments[backendName] else {
            let known = registration.deployments.keys.sorted().joined(separator: ", ")
            throw CLIFailure("\(subject) cannot be deployed with the \(backendName) backend; it offers: \(known.isEmpty ? "none" : known)", exitCode: 2)
        }
        guard let base = LocalPorts.freeBlock(count: members * 2) else {
            throw CLIFailure("no block of \(members * 2) free loopback ports found")
        }
        let plan = try recipe.plan(DeploymentOptions(members: members, basePort: base, stateDirectory: stateDirectory, extra: extra))
        let deployment = try LocalDeployments.make(plan: plan, stateDirectory: stateDirectory, recipeFaults: recipe.faults, logger: logger)
        let status: DeploymentStatus
        do {
            status = try await deployment.up(progress: progress)
        } catch {
            await Interruptible.cleanup { try? await deployment.down(removeState: true) }
            throw error
        }
        let members = status.members.map(\.entity).sorted()
        let kind = members.first?.kind ?? "member"
        return DeploymentChaosTarget(
            subject: subject, deployment: deployment, endpoints: status.endpoints, killKind: "\(kind)-down", members: members)
    }
}
