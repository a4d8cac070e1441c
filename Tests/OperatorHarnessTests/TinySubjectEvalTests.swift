import Foundation
import Synchronization
import Logging
import OperatorCore
import OperatorHarness
import OperatorTestSupport
import Testing
@testable import DeployLocal

#if canImport(Glibc)
import Glibc
#endif

/// The tiny subject registered in a registry of this test's own (no CLI), with a process recipe of
/// `python3 -m http.server` nodes, graded on one YAML scenario through the library's eval runner.
@Suite("eval through the library, for a subject built in the test target")
struct TinySubjectEvalTests {
    struct OfflineDiagnosers: EvalDiagnoserMaking {
        func make<S: Subject>(for subject: S) throws -> any Diagnoser { OfflineDiagnoser(rules: subject.knowledge.rules) }
    }

    static func registration(python: String) -> SubjectRegistration {
        let recipe = DeploymentRecipe(backend: "process", summary: "python3 -m http.server nodes") { options in
            let base = options.basePort ?? 8000
            return .processes(ProcessClusterPlan(
                subject: "tiny",
                members: (0..<options.members).map { i in
                    ProcessClusterPlan.Member(
                        entity: Entity(kind: "node", id: "n\(i + 1)"), executable: python,
                        arguments: ["-m", "http.server", String(base + i), "--bind", "127.0.0.1"], ports: [base + i],
                        endpoint: "http://127.0.0.1:\(base + i)/", healthURL: "http://127.0.0.1:\(base + i)/", dataDirectory: "n\(i + 1)")
                },
                installHint: "apt-get install python3"))
        }
        return SubjectRegistration(
            name: "tiny", summary: "plain HTTP servers", deployments: ["process": recipe], defaultBackend: "process"
        ) { configuration in
            TinySubject(nodes: configuration.endpoints.enumerated().map { (Entity(kind: "node", id: "n\($0.offset + 1)"), $0.element) })
        }
    }

    @Test("a scenario freezing one node (`stop`, SIGSTOP) is graded node-down on that node")
    func scenarioIsGraded() async throws {
        guard let python = ExecutableLookup.find("python3") else {
            print("skipped: python3 is not installed, so no HTTP server nodes can run")
            return
        }
        let dir = try TemporaryDirectory(prefix: "operator-harness-eval")
        let recorded = RecordedStates()
        defer {
            // By pid, whatever happened: every member a state file of this test records.
            for state in recorded.all {
                guard let file = try? StateFile.read(ProcessDeploymentState.self, from: state) else { continue }
                for handle in file.members.compactMap(\.process) where DetachedProcess.isRunning(handle) {
                    kill(handle.pid, SIGCONT)
                    kill(handle.pid, SIGKILL)
                }
            }
            dir.remove()
        }
        let scenario = dir.file("frozen-node.yaml")
        try """
            name: frozen-node
            subject: tiny
            backend: process
            cluster: { members: 3 }
            faults:
              - { kind: stop, target: "node:n2" }
            expect: { category: node-down, entity: "node:n2" }
            """.write(toFile: scenario, atomically: true, encoding: .utf8)
        let registry = SubjectRegistry([Self.registration(python: python)])
        let loaded = try EvalScenario.load(scenario, registry: registry)
        #expect(loaded.backend == "process")

        let runner = EvalRunner(
            registry: registry, diagnosers: OfflineDiagnosers(),
            targets: { scenario, work, logger in
                let registration = try registry.registration(named: scenario.subject)
                let recipe = try #require(registration.deployments[scenario.backend ?? "process"])
                let members = scenario.cluster.members ?? 3
                let base = try #require(LocalPorts.freeBlock(count: members))
                let state = (work as NSString).appendingPathComponent("deploy")
                recorded.add(state)
                let plan = try recipe.plan(DeploymentOptions(members: members, basePort: base, stateDirectory: state))
                let deployment = try LocalDeployments.make(plan: plan, stateDirectory: state, logger: logger)
                let status = try await deployment.up { _ in }
                return DeploymentChaosTarget(
                    subject: scenario.subject, deployment: deployment, endpoints: status.endpoints, killKind: "node-down",
                    members: status.members.map(\.entity))
            },
            interval: .milliseconds(500), timeout: .seconds(60), logger: Logger(label: "test.eval"))
        let outcome = await runner.run(loaded)
        #expect(outcome.error == nil)
        #expect(outcome.got?.category == "node-down")
        #expect(outcome.got?.entity == "node:n2")
        #expect(outcome.correct)
        #expect(outcome.diagnoserCalls >= 1)

        // A fault the process backend does not offer fails the scenario naming the offers.
        try """
            subject: tiny
            faults: [{ kind: corrupt-wal, target: "node:n1" }]
            expect: { category: node-down, entity: "node:n1" }
            """.write(toFile: dir.file("unsupported.yaml"), atomically: true, encoding: .utf8)
        let unsupported = await runner.run(try EvalScenario.load(dir.file("unsupported.yaml"), registry: registry))
        #expect(!unsupported.correct)
        #expect(unsupported.error?.contains("corrupt-wal") == true && unsupported.error?.contains("stop") == true)
    }

    @Test("a scenario naming an unregistered subject or backend is refused, naming the file and what exists")
    func badScenarios() throws {
        let dir = try TemporaryDirectory(prefix: "operator-harness-eval")
        defer { dir.remove() }
        let registry = SubjectRegistry([Self.registration(python: "python3")])
        try "subject: redis\nfaults: [{ kind: stop, target: \"node:n1\" }]\nexpect: { category: node-down, entity: \"node:n1\" }\n"
            .write(toFile: dir.file("a.yaml"), atomically: true, encoding: .utf8)
        let unknown = #expect(throws: HarnessError.self) { try EvalScenario.load(dir.file("a.yaml"), registry: registry) }
        #expect(unknown?.isUsage == true)
        #expect(unknown?.description.contains("a.yaml") == true && unknown?.description.contains("known subjects: tiny") == true)
        try "subject: tiny\nbackend: compose\nfaults: [{ kind: stop, target: \"node:n1\" }]\nexpect: { category: node-down, entity: \"node:n1\" }\n"
            .write(toFile: dir.file("b.yaml"), atomically: true, encoding: .utf8)
        let backend = #expect(throws: HarnessError.self) { try EvalScenario.load(dir.file("b.yaml"), registry: registry) }
        #expect(backend?.description.contains("it offers: process") == true)
        try "faults: [{ kind: stop, target: \"node:n1\" }]\nexpect: { category: node-down, entity: \"node:n1\" }\n"
            .write(toFile: dir.file("c.yaml"), atomically: true, encoding: .utf8)
        let unnamed = #expect(throws: HarnessError.self) { try EvalScenario.load(dir.file("c.yaml"), registry: registry) }
        #expect(unnamed?.description.contains("needs `subject:` (one of tiny)") == true)
    }
}

/// State directories the eval targets created, for the test's cleanup.
final class RecordedStates: Sendable {
    private let paths = Mutex<[String]>([])
    func add(_ path: String) { paths.withLock { $0.append(path) } }
    var all: [String] { paths.withLock { $0 } }
}
