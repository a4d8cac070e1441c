import Foundation
import OperatorTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension EndToEnd {
    /// `operator eval`'s grading through the binary: false statements and gates on a replayed context (no
    /// cluster), one real-etcd fault scenario, and the etcd recipe's faults through `operator chaos`.
    @Suite("eval report and real-etcd faults through the binary")
    struct EvalReportTests {
        static func object(_ any: Any?) -> [String: Any] { any as? [String: Any] ?? [:] }
        static func array(_ any: Any?) -> [[String: Any]] { any as? [[String: Any]] ?? [] }
        static var context: String { PackagePaths.root.appendingPathComponent("Tests/Scenarios/contexts/etcd-member-down.json").path }

        /// The first port of `count` consecutive loopback ports that bind now (a free port from the OS, then
        /// its neighbours checked one by one).
        static func freeBlock(_ count: Int) -> Int? {
            func bindable(_ port: Int) -> Bool {
                let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                guard fd >= 0 else { return false }
                defer { close(fd) }
                var addr = sockaddr_in()
                addr.sin_family = sa_family_t(AF_INET)
                addr.sin_port = in_port_t(UInt16(truncatingIfNeeded: port)).bigEndian
                addr.sin_addr.s_addr = inet_addr("127.0.0.1")
                return withUnsafePointer(to: &addr) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
                }
            }
            for _ in 0..<50 {
                guard let base = try? FreePorts.take(1).first, base + count <= 65535 else { continue }
                if (base..<(base + count)).allSatisfy(bindable) { return base }
            }
            return nil
        }

        @Test("a forbidden statement in a replayed diagnosis is counted, listed, and fails --max-false-statements 0 after the report")
        func falseStatementsGate() async throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            // The offline diagnoser explains this context with "e2 did not answer on its client URL".
            try """
                name: replay-forbidden
                replay: \(Self.context)
                expect: { category: node-down, entity: "member:e2", forbid: ["DID NOT ANSWER"] }
                """.write(toFile: dir.file("a.yaml"), atomically: true, encoding: .utf8)
            let json = try await OperatorBinary.run(["eval", dir.file("a.yaml"), "--json", "--repeat", "2"])
            #expect(json.status == 0, "\(json.stderr)")
            let report = Self.object(json.json)
            #expect(report["accuracy"] as? Double == 1, "category and entity are right")
            #expect((report["false_statement_count"] as? Int ?? 0) >= 2, "the statement, in each of the two runs")
            let statements = Self.array(report["false_statements"])
            #expect(statements.allSatisfy { ($0["statement"] as? String)?.contains("did not answer") == true })
            #expect(statements.allSatisfy { ($0["reason"] as? String)?.contains("forbidden by the scenario") == true })
            #expect(Self.array(report["results"]).map { $0["run"] as? Int } == [1, 2])
            #expect(Self.array(report["stability"]).first?["passed"] as? Int == 0)
            #expect(report["incident_accuracy"] is NSNull || report["incident_accuracy"] == nil, "a replay states no incident count")

            let gated = try await OperatorBinary.run(["eval", dir.file("a.yaml"), "--require-accuracy", "0.9", "--max-false-statements", "0"])
            #expect(gated.status == 1)
            #expect(gated.stdout.contains("false statements:"))
            #expect(gated.stdout.contains("did not answer"))
            #expect(gated.stdout.contains("EXPECTED \\ GOT"), "the confusion table")
            #expect(gated.stderr.contains("more than the 0 allowed"))
            #expect(!gated.stderr.contains("accuracy 100%"), "the accuracy bar was met")

            let bad = try await OperatorBinary.run(["eval", dir.file("a.yaml"), "--repeat", "0"])
            #expect(bad.status != 0 && bad.stderr.contains("--repeat must be between 1 and 20"))
            let fraction = try await OperatorBinary.run(["eval", dir.file("a.yaml"), "--require-accuracy", "90"])
            #expect(fraction.status != 0 && fraction.stderr.contains("between 0 and 1"))
        }

        @Test("a real-etcd fault scenario runs through the binary: the frozen member is graded with its incident count")
        func realEtcdScenario() async throws {
            guard FileManager.default.isExecutableFile(atPath: "/usr/bin/etcd") else {
                print("skipped: /usr/bin/etcd is not installed (apt-get install etcd-server)")
                return
            }
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let source = PackagePaths.root.appendingPathComponent("Tests/Scenarios/40-etcd-frozen-follower.yaml").path
            try FileManager.default.copyItem(atPath: source, toPath: dir.file("40-etcd-frozen-follower.yaml"))
            let r = try await OperatorBinary.run(["eval", dir.path, "--json"], timeout: .seconds(300))
            #expect(r.status == 0, "\(r.stderr)")
            let result = try #require(Self.array(Self.object(r.json)["results"]).first, "\(r.stdout)\n\(r.stderr)")
            #expect(result["error"] == nil || result["error"] is NSNull, "\(result["error"] ?? "")")
            #expect(result["expected_incidents"] as? Int == 1)
            let incidents = try #require(result["incidents"] as? Int)
            #expect(incidents >= 1, "the frozen member opened an incident")
            // Whatever the category, the graded incident is the frozen member's.
            #expect(Self.object(result["got"])["entity"] as? String == "member:e3")
            #expect(result["incidents_correct"] as? Bool == (incidents == 1))
        }

        @Test("operator chaos on an etcd process deployment lists and applies the recipe's faults (move-leader) and the host's")
        func etcdChaosVocabulary() async throws {
            guard FileManager.default.isExecutableFile(atPath: "/usr/bin/etcd") else {
                print("skipped: /usr/bin/etcd is not installed (apt-get install etcd-server)")
                return
            }
            let dir = try TemporaryDirectory()
            let state = dir.file("deploy")
            defer {
                ChaosCommandTests.killRecordedMembers(stateDirectory: state)
                dir.remove()
            }
            let base = try #require(Self.freeBlock(6), "six consecutive free loopback ports")
            let up = try await OperatorBinary.run(
                ["deploy", "up", "--subject", "etcd", "--base-port", "\(base)", "--option", "quota-backend-bytes=e2=1048576",
                 "--state-dir", state, "--json"], timeout: .seconds(120))
            #expect(up.status == 0, "\(up.stderr)")
            let quota = try String(contentsOfFile: state + "/deployment.json", encoding: .utf8)
            #expect(quota.contains("--quota-backend-bytes"), "the option reached e2's command line")
            let list = try await OperatorBinary.run(["chaos", "list", "--json", "--state-dir", state])
            let kinds = Self.array(list.json).compactMap { $0["kind"] as? String }
            for kind in ["nospace", "move-leader", "member-remove", "slow-disk", "partition", "stop"] {
                #expect(kinds.contains(kind), "\(kinds)")
            }
            let move = try await OperatorBinary.run(["chaos", "inject", "move-leader", "member:e2", "--state-dir", state])
            #expect(move.status == 0, "\(move.stderr)")
            let status = try await OperatorBinary.run(
                ["deploy", "status", "--state-dir", state, "--json"])
            #expect(status.status == 0)
            let bad = try await OperatorBinary.run(["chaos", "inject", "nospace", "store:1", "--state-dir", state])
            #expect(bad.status != 0 && bad.stderr.contains("nospace member:<id>"), "\(bad.stderr)")
            let down = try await OperatorBinary.run(["deploy", "down", "--state-dir", state])
            #expect(down.status == 0, "\(down.stderr)")
        }
    }
}
