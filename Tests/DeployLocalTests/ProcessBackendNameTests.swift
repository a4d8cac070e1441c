import Foundation
import OperatorCore
import Testing
@testable import DeployLocal

/// A recipe that runs processes under a backend name of its own (the TiKV simulator is `simulator`) is
/// called by that name everywhere: the deployment, its status, its refusals, and after a reload from the
/// state directory. A deployment recorded before plans carried the name is still `process`.
@Suite("process deployments named by their recipe's backend")
struct ProcessBackendNameTests {
    static func plan(backend: String?) -> ProcessClusterPlan {
        var plan = HTTPServerPlan.plan(members: 1, basePort: 1)
        plan.subject = "tikv"
        plan.members[0].entity = Entity(kind: "simulator", id: "1")
        plan.backend = backend
        plan.faultControl = FaultControlEndpoint(
            injectURL: "http://127.0.0.1:1/faults/inject", liftURL: "http://127.0.0.1:1/faults/lift",
            offers: [FaultOffer(kind: "slow-disk", entityKinds: ["store"], summary: "a simulated slow disk", lift: "lifted in the simulator")])
        return plan
    }

    @Test func theSimulatorIsCalledSimulatorInStatusAndRefusalsAndAfterReload() async throws {
        let state = try TemporaryStateDirectory()
        defer { state.cleanup() }
        let deployment = ProcessDeployment(plan: Self.plan(backend: "simulator"), stateDirectory: state.path)
        #expect(deployment.backend == "simulator")
        let refusal = await #expect(throws: UnsupportedFaultError.self) {
            try await deployment.inject(DeploymentFault(kind: "pause", entity: "store:3"))
        }
        let text = try #require(refusal).description
        #expect(text.contains("the simulator backend cannot inject pause on store:3"), "\(text)")
        #expect(!text.contains("process backend"), "\(text)")

        try StateFile.write(
            ProcessDeploymentState(plan: Self.plan(backend: "simulator"), members: [], updatedAt: Date()), to: state.path)
        let loaded = try LocalDeployments.load(stateDirectory: state.path)
        #expect(loaded.backend == "simulator")
        let status = try await loaded.status()
        #expect(status.backend == "simulator")
        #expect(status.members.map(\.state) == [.stopped])
        // The state file still names the implementation that reads it back.
        #expect(try StateFile.backend(in: state.path) == "process")
    }

    @Test func aPlanWithoutABackendNameIsProcessAndOldStateFilesStillLoad() async throws {
        let state = try TemporaryStateDirectory()
        defer { state.cleanup() }
        try StateFile.write(ProcessDeploymentState(plan: Self.plan(backend: nil), members: [], updatedAt: Date()), to: state.path)
        // A state file written before plans carried a backend name has no such key.
        let file = (state.path as NSString).appendingPathComponent("deployment.json")
        let written = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any])
        #expect((written["plan"] as? [String: Any])?.keys.contains("backend") == false)
        let loaded = try LocalDeployments.load(stateDirectory: state.path)
        #expect(loaded.backend == "process")
        #expect(try await loaded.status().backend == "process")
    }
}
