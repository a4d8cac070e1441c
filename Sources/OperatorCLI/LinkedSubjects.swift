import OperatorCore
import SubjectEtcd

/// The subjects linked into this build: one line each. Adding a subject is a target plus a line here.
enum LinkedSubjects {
    static let registry = SubjectRegistry([
        EtcdRegistration.registration,
    ])
}
