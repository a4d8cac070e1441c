import Foundation
import Logging
import OperatorCore
import OperatorHarness
import OperatorTestSupport
import Testing
@testable import DeployLocal

#if canImport(Glibc)
import Glibc
#endif

@Suite("harness library with a subject built in the test target")
struct TinySubjectHarnessTests {
    @Test("a frozen python http.server node (process backend, stop) is detected and diagnosed node-down on it")
    func frozenNodeIsDiagnosed() async throws {
        guard let python = ExecutableLookup.find("python3") else {
            print("skipped: python3 is not installed, so no HTTP server nodes can run")
            return
        }
        let dir = try TemporaryDirectory(prefix: "operator-harness-test")
        let state = dir.file("deploy")
        defer {
            // By pid, whatever happened: every member the state file records.
            if let recorded = try? StateFile.read(ProcessDeploymentState.self, from: state) {
                for handle in recorded.members.compactMap(\.process) where DetachedProcess.isRunning(handle) {
                    kill(handle.pid, SIGCONT)
                    kill(handle.pid, SIGKILL)
                }
            }
            dir.remove()
        }
        let base = try #require(LocalPorts.freeBlock(count: 3))
        let members = (0..<3).map { i in
            ProcessClusterPlan.Member(
                entity: Entity(kind: "node", id: "n\(i + 1)"), executable: python,
                arguments: ["-m", "http.server", String(base + i), "--bind", "127.0.0.1"], ports: [base + i],
                endpoint: "http://127.0.0.1:\(base + i)/", healthURL: "http://127.0.0.1:\(base + i)/", dataDirectory: "n\(i + 1)")
        }
        let deployment = ProcessDeployment(
            plan: ProcessClusterPlan(subject: "tiny", members: members, installHint: "apt-get install python3"),
            stateDirectory: state, stopGracePeriod: .seconds(3))
        let status = try await deployment.up { _ in }
        let target = DeploymentChaosTarget(
            subject: "tiny", deployment: deployment, endpoints: status.endpoints, killKind: "node-down",
            members: status.members.map(\.entity))
        // The process backend's vocabulary reaches the harness: `stop` is SIGSTOP.
        #expect(target.faultKinds.contains("stop"))

        let subject = TinySubject(nodes: members.map { ($0.entity, $0.endpoint) })
        let run = ChaosRun(
            subject: subject, target: target, diagnoser: OfflineDiagnoser(rules: subject.knowledge.rules),
            options: .init(
                interval: .milliseconds(500), healthyTimeout: .seconds(60), detectTimeout: .seconds(60),
                diagnoseTimeout: .seconds(60), databasePath: dir.file("operator.db"), strictEntity: true),
            logger: Logger(label: "test.harness"))
        let result = try await run.run(fault: FaultSpec(kind: "stop", entity: "node:n2")) { _ in }
        let diagnosis = try #require(result.incident?.diagnosis ?? result.ticket?.diagnosis)
        #expect(diagnosis.rootCause.category == "node-down")
        #expect(diagnosis.rootCause.entity == "node:n2")
        #expect(result.ticket?.invariant == "node-unreachable")
        #expect(result.timeline.map(\.phase).contains("fault injected"))
        await target.stop()
    }
}
