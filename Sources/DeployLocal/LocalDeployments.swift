import Logging
import OperatorCore

/// Turns a subject's ``DeploymentPlan`` into the backend that runs it, and finds the backend of an
/// existing deployment from its state directory. One case per backend: a new backend adds its case here.
public enum LocalDeployments {
    public static let backends = [ProcessDeploymentState.backend, ComposeDeploymentState.backend]

    /// The backend for a fresh plan (`operator deploy up`).
    public static func make(
        plan: DeploymentPlan, stateDirectory: String, recipeFaults: (any RecipeFaultHandler)? = nil,
        logger: Logger = Logger(label: "operator.deploy")
    ) throws(DeploymentError) -> any Deployment {
        switch plan {
        case .processes(let processPlan):
            return ProcessDeployment(plan: processPlan, stateDirectory: stateDirectory, recipeFaults: recipeFaults, logger: logger)
        case .compose(let composePlan):
            return ComposeDeployment(plan: composePlan, stateDirectory: stateDirectory, logger: logger)
        }
    }

    /// The deployment recorded in `stateDirectory` (`deploy status`, `deploy down`, `chaos`). `recipeFaults`
    /// finds the recorded subject's recipe faults for a backend (the composition root knows the subjects).
    public static func load(
        stateDirectory: String, logger: Logger = Logger(label: "operator.deploy"),
        recipeFaults: (_ subject: String, _ backend: String) -> (any RecipeFaultHandler)? = { _, _ in nil }
    ) throws(DeploymentError) -> any Deployment {
        let absolute = ProcessDeployment.absolute(stateDirectory)
        let backend = try StateFile.backend(in: absolute)
        switch backend {
        case ProcessDeploymentState.backend:
            var deployment = try ProcessDeployment.load(stateDirectory: absolute, logger: logger)
            deployment.recipeFaults = recipeFaults(deployment.plan.subject, deployment.backend)
            return deployment
        case ComposeDeploymentState.backend:
            return try ComposeDeployment.load(stateDirectory: absolute, logger: logger)
        default:
            throw .unsupportedBackend(backend, known: backends)
        }
    }
}
