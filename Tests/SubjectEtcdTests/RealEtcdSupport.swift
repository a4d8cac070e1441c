import Foundation
import OperatorCore
import OperatorTestSupport

@testable import DeployLocal
@testable import SubjectEtcd

#if canImport(Glibc)
import Glibc
#endif

/// A real etcd cluster (Debian's etcd-server) run by `ProcessDeployment` on free ports in a temporary state
/// directory. `cleanup()` SIGKILLs every recorded pid synchronously, for `defer`.
struct RealEtcdCluster {
    static var installed: Bool { ExecutableLookup.find("etcd") != nil }

    let directory: TemporaryDirectory
    let plan: ProcessClusterPlan
    let deployment: ProcessDeployment

    var endpoints: [String] { plan.members.map(\.endpoint) }

    /// Plans `members` members on a free block of ports (not started).
    init(members: Int = 3, adjust: (inout ProcessClusterPlan) -> Void = { _ in }) throws {
        directory = try TemporaryDirectory(prefix: "operator-etcd-test")
        guard let base = LocalPorts.freeBlock(count: 2 * members) else { throw Failure("no free block of \(2 * members) ports") }
        var plan = try EtcdProcessRecipe.plan(
            DeploymentOptions(members: members, basePort: base, stateDirectory: directory.path))
        adjust(&plan)
        self.plan = plan
        deployment = ProcessDeployment(
            plan: plan, stateDirectory: directory.path, healthTimeout: .seconds(60), stopGracePeriod: .seconds(5))
    }

    /// Synchronous last resort, pass or fail: SIGKILL by pid, reap, remove the directory.
    func cleanup() {
        Self.killRecorded(in: directory.path)
        directory.remove()
    }

    /// SIGKILLs and reaps every running process recorded in a deployment state directory.
    static func killRecorded(in stateDirectory: String) {
        guard let state = try? StateFile.read(ProcessDeploymentState.self, from: stateDirectory) else { return }
        for record in state.members {
            guard let handle = record.process, DetachedProcess.isRunning(handle) else { continue }
            kill(handle.pid, SIGKILL)
            var status: Int32 = 0
            _ = waitpid(handle.pid, &status, 0)
        }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }
}

/// Polls `check` until it holds; throws naming `what` when it never does. A bound on waiting, not a timing
/// assertion: on a slow machine it only needs to be generous.
func eventually(
    _ what: String, within: Duration = .seconds(60), every: Duration = .milliseconds(200),
    describe: () async -> String = { "" }, _ check: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + within
    while ContinuousClock.now < deadline {
        if try await check() { return }
        try await Task.sleep(for: every)
    }
    throw RealEtcdCluster.Failure("never saw: \(what). \(await describe())")
}
