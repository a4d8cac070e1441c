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
}
