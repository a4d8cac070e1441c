import OperatorCore
import SubjectEtcd
import SubjectTiKV

/// The subjects linked into this build: one line each. Adding a subject is a target plus a line here.
enum LinkedSubjects {
    static let registry = SubjectRegistry([
        // The simulator is a deployment backend of the TiKV subject, added where both are linked.
        SimulatorDeploymentRecipe.adding(to: TiKVRegistration.registration),
        EtcdRegistration.registration,
    ])

    /// A recorded deployment's recipe faults (`operator chaos` on a state directory).
    static func recipeFaults(subject: String, backend: String) -> (any RecipeFaultHandler)? {
        (try? registry.registration(named: subject))?.deployments[backend]?.faults
    }
}
