import Foundation
import OperatorTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension EndToEnd {
    /// `operator chaos` speaks one fault vocabulary; here against the TiKV simulator deployed as a backend.
    @Suite("chaos on the simulator backend")
    struct ChaosCommandTests {
        @Test("deploy up --backend simulator, chaos list, inject slow-disk store:3, kill store:2, lift, down")
        func simulatorBackend() async throws {
            let dir = try TemporaryDirectory()
            let state = dir.file("deploy")
            defer {
                Self.killRecordedMembers(stateDirectory: state)
                dir.remove()
            }
            let up = try await OperatorBinary.run(
                ["deploy", "up", "--subject", "tikv", "--backend", "simulator", "--members", "4", "--state-dir", state, "--json"],
                timeout: .seconds(120))
            #expect(up.status == 0, "\(up.stderr)")
            let status = try #require(up.json as? [String: Any], "\(up.stdout)\n\(up.stderr)")
            #expect(status["backend"] as? String == "simulator", "the backend it was deployed with, not the process runner under it")
            #expect(status["subject"] as? String == "tikv")
            let endpoint = try #require((status["endpoints"] as? [String])?.first)
            let port = try #require(URL(string: endpoint)?.port)

            let deployed = try await OperatorBinary.run(["deploy", "status", "--state-dir", state])
            #expect(deployed.stdout.hasPrefix("tikv (simulator backend) in "), "\(deployed.stdout)\n\(deployed.stderr)")
            let listed = try await OperatorBinary.run(["chaos", "list", "--state-dir", state])
            #expect(listed.stdout.hasPrefix("simulator backend in "), "\(listed.stdout)\n\(listed.stderr)")

            let list = try await OperatorBinary.run(["chaos", "list", "--json", "--state-dir", state])
            #expect(list.status == 0, "\(list.stderr)")
            let offers = try #require(list.json as? [[String: Any]])
            let slowDisk = try #require(offers.first { $0["kind"] as? String == "slow-disk" })
            #expect(slowDisk["entity_kinds"] as? [String] == ["store"])
            #expect(offers.contains { $0["kind"] as? String == "pd-leader-down" })
            #expect(offers.contains { $0["kind"] as? String == "stop" }, "the simulator's own process can be frozen")
            // The field patterns (tikv-at-scale.md §5) are offered with the entities they take.
            for kind in ["write-stall", "restart-loop", "network-partition", "slow-store", "pending-peers", "too-many-regions"] {
                #expect(offers.first { $0["kind"] as? String == kind }?["entity_kinds"] as? [String] == ["store"], "\(kind)")
            }
            #expect(offers.first { $0["kind"] as? String == "pd-leader-switch" }?["entity_kinds"] as? [String] == ["cluster"])

            let inject = try await OperatorBinary.run(["chaos", "inject", "slow-disk", "store:3", "--state-dir", state])
            #expect(inject.status == 0, "\(inject.stderr)")
            #expect(inject.stdout.contains("injected slow-disk on store:3"))
            #expect(try await Self.faults(port: port) == ["slow-disk store:3"])

            let kill = try await OperatorBinary.run(["chaos", "kill", "store:2", "--state-dir", state])
            #expect(kill.status == 0, "\(kill.stderr)")
            #expect(try await Self.faults(port: port) == ["slow-disk store:3", "store-down store:2"])

            // Not in this backend's vocabulary: exit 2 and the error lists what it offers.
            let pause = try await OperatorBinary.run(["chaos", "inject", "pause", "store:3", "--state-dir", state])
            #expect(pause.status == 2)
            #expect(pause.stderr.contains("the simulator backend cannot inject pause on store:3"), "\(pause.stderr)")
            #expect(pause.stderr.contains("slow-disk store:<id>"))

            // The simulator's own refusal (a fault not in effect) comes back with its reason.
            let notActive = try await OperatorBinary.run(["chaos", "lift", "disk-full", "store:1", "--state-dir", state])
            #expect(notActive.status == 1)
            #expect(notActive.stderr.contains("disk-full"))

            let lift = try await OperatorBinary.run(["chaos", "lift", "slow-disk", "store:3", "--state-dir", state])
            #expect(lift.status == 0, "\(lift.stderr)")
            let restart = try await OperatorBinary.run(["chaos", "restart", "store:2", "--state-dir", state])
            #expect(restart.status == 0, "\(restart.stderr)")
            #expect(try await Self.faults(port: port) == [])

            let down = try await OperatorBinary.run(["deploy", "down", "--remove-state", "--state-dir", state])
            #expect(down.status == 0, "\(down.stderr)")
            let after = try await OperatorBinary.run(["simulate", "status", "--port", String(port)])
            #expect(after.status != 0, "the simulator is gone after deploy down")
        }

        /// The faults in effect, as `operator simulate status --json` reports them: `kind entity`, sorted.
        static func faults(port: Int) async throws -> [String] {
            let r = try await OperatorBinary.run(["simulate", "status", "--port", String(port), "--json"])
            let state = try #require(r.json as? [String: Any], "\(r.stdout)\n\(r.stderr)")
            let faults = try #require(state["faults"] as? [[String: Any]])
            return faults.compactMap { f in
                guard let kind = f["kind"] as? String, let entity = f["entity"] as? String else { return nil }
                return "\(kind) \(entity)"
            }.sorted()
        }

        /// For `defer`: SIGKILLs every process the deployment's state file records, by pid.
        static func killRecordedMembers(stateDirectory: String) {
            let file = (stateDirectory as NSString).appendingPathComponent("deployment.json")
            guard let data = FileManager.default.contents(atPath: file),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let members = object["members"] as? [[String: Any]]
            else { return }
            for member in members {
                guard let process = member["process"] as? [String: Any], let pid = process["pid"] as? Int,
                    let pid32 = Int32(exactly: pid), pid32 > 0
                else { continue }
                kill(pid32, SIGKILL)
            }
        }
    }
}
