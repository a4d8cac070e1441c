import Foundation
import OperatorCore
import OperatorTestSupport
import Testing

@testable import SubjectEtcd

/// Everything the program does with a snapshot, run on one: every invariant, the status lines, the JSON the
/// CLI writes, causal links, evidence gathering and the offline rules on an incident rooted at each
/// violation (and on the cluster). A trap anywhere fails the whole test process, which is the point.
enum EtcdRobustness {
    static let subject: EtcdSubject = {
        do {
            return try EtcdSubject(configuration: SubjectConfiguration(endpoints: ["http://127.0.0.1:1"]))
        } catch {
            fatalError("the default etcd configuration must be valid: \(error)")
        }
    }()

    /// Runs everything (`SubjectRobustness`); records an issue when a promise is broken.
    @discardableResult
    static func exercise(_ s: EtcdSnapshot, _ label: @autoclosure () -> String) async -> Evaluation<EtcdSnapshot> {
        let outcome = await SubjectRobustness.exercise(subject, s, clusterRoot: "quorum-lost")
        #expect(outcome.problems.isEmpty, "\(outcome.problems) (\(label()))")
        return outcome.evaluation
    }
}
