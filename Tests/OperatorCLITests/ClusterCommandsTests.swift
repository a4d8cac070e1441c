import Foundation
import OperatorCore
import OperatorTestSupport
import Testing

extension EndToEnd {
    /// One operator.yaml with two clusters of the same subject (two TiKV simulators over real HTTP):
    /// `--cluster` picks the entry, each monitor stamps its cluster, and the same fault on both opens two
    /// tickets and two incidents, never one shared.
    @Suite("two clusters in one operator.yaml, end to end")
    struct ClusterCommandsTests {
        typealias Helpers = DemoAndIncidentTests

        struct Simulator {
            var running: OperatorBinary.Running
            var pd: String
            var port: Int
        }

        func startSimulator() async throws -> Simulator {
            let running = try OperatorBinary.start(["simulate", "run", "--port", "0", "--time-scale", "20", "--pd", "1", "--json"])
            let endpoints = try await Helpers.waitForJSON(running)
            let control = try #require(endpoints["control_url"] as? String)
            let pd = (endpoints["pd_urls"] as? [String] ?? []).joined(separator: ",")
            return Simulator(running: running, pd: pd, port: try #require(URL(string: control)?.port))
        }

        func config(in dir: TemporaryDirectory, east: Simulator, west: Simulator) throws -> String {
            let path = dir.file("operator.yaml")
            try """
                db: \(dir.file("operator.db"))
                interval: 500ms
                resolve_after: 2
                clusters:
                  - name: east
                    subject: tikv
                    endpoints: [\(east.pd)]
                  - name: west
                    subject: tikv
                    endpoints: [\(west.pd)]
                """.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }

        @Test("check/status/monitor --cluster pick the entry; the same fault on both clusters is two tickets, two incidents")
        func twoClustersOfOneSubject() async throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let east = try await startSimulator()
            defer { east.running.stop() }
            let west = try await startSimulator()
            defer { west.running.stop() }
            let yaml = try config(in: dir, east: east, west: west)

            // Which cluster: none given with two configured, or an unknown one, is bad usage naming the choices.
            let unchosen = try await OperatorBinary.run(["check", "--config", yaml])
            #expect(unchosen.status == 2)
            #expect(unchosen.stderr.contains("configures 2 clusters (east, west)"), "\(unchosen.stderr)")
            let unknown = try await OperatorBinary.run(["check", "--config", yaml, "--cluster", "north"])
            #expect(unknown.status == 2)
            #expect(unknown.stderr.contains("unknown cluster \"north\"") && unknown.stderr.contains("\"east\", \"west\""), "\(unknown.stderr)")
            let badFilter = try await OperatorBinary.run(["tickets", "list", "--db", dir.file("operator.db"), "--cluster", "North"])
            #expect(badFilter.status == 2)

            #expect(try await OperatorBinary.run(["simulate", "fault", "store-down", "store:2", "--port", "\(east.port)"]).status == 0)
            try await Helpers.eventually("east's check sees store:2 down", timeout: .seconds(240)) {
                let r = try await OperatorBinary.run(["check", "--config", yaml, "--cluster", "east", "--json"])
                return r.status == 1 && Helpers.array(Helpers.object(r.json)["violations"]).contains { $0["entity"] as? String == "store:2" }
            }
            let eastCheck = Helpers.object(try await OperatorBinary.run(["check", "--config", yaml, "--cluster", "east", "--json"]).json)
            #expect(eastCheck["cluster"] as? String == "east")
            let westCheck = try await OperatorBinary.run(["check", "--config", yaml, "--cluster", "west", "--json"])
            #expect(Helpers.object(westCheck.json)["cluster"] as? String == "west")
            #expect(!Helpers.array(Helpers.object(westCheck.json)["violations"]).contains { $0["entity"] as? String == "store:2" },
                    "west's check reads west's cluster: \(westCheck.stdout)")
            let status = try await OperatorBinary.run(["status", "--config", yaml, "--cluster", "west", "--json"])
            #expect(status.status == 0, "\(status.stderr)")
            #expect(Helpers.object(status.json)["cluster"] as? String == "west")

            // Both monitors write one database; the same fault on west too.
            #expect(try await OperatorBinary.run(["simulate", "fault", "store-down", "store:2", "--port", "\(west.port)"]).status == 0)
            let eastMonitor = try OperatorBinary.start(["monitor", "--config", yaml, "--cluster", "east", "--diagnose", "offline"])
            defer { eastMonitor.stop() }
            let westMonitor = try OperatorBinary.start(["monitor", "--config", yaml, "--cluster", "west", "--diagnose", "offline"])
            defer { westMonitor.stop() }

            let db = dir.file("operator.db")
            func storeDownTickets() async throws -> [[String: Any]] {
                Helpers.array(try await OperatorBinary.run(["tickets", "list", "--db", db, "--json"]).json)
                    .filter { $0["invariant"] as? String == "store-down" && $0["entity"] as? String == "store:2" }
            }
            func incidents(_ extra: [String] = []) async throws -> [[String: Any]] {
                Helpers.array(try await OperatorBinary.run(["incidents", "list", "--db", db, "--json"] + extra).json)
            }
            do {
                try await Helpers.eventually("store:2 down on both clusters, both incidents diagnosed", timeout: .seconds(240)) {
                    let tickets = try await storeDownTickets()
                    let diagnosed = try await incidents().filter {
                        $0["root_invariant"] as? String == "store-down" && $0["status"] as? String == "diagnosed"
                    }
                    return tickets.count == 2 && diagnosed.count == 2
                }
            } catch {
                // What the database held when the wait gave up: which half was missing, and why.
                let tickets = try await OperatorBinary.run(["tickets", "list", "--db", db])
                let listed = try await OperatorBinary.run(["incidents", "list", "--db", db])
                Issue.record("tickets:\n\(tickets.stdout)\nincidents:\n\(listed.stdout)\neast monitor:\n\(eastMonitor.stderrSoFar.suffix(3000))\nwest monitor:\n\(westMonitor.stderrSoFar.suffix(3000))")
                throw error
            }
            let tickets = try await storeDownTickets()
            #expect(Set(tickets.compactMap { $0["cluster"] as? String }) == ["east", "west"], "one ticket per cluster: \(tickets)")
            #expect(Set(tickets.compactMap { $0["incident_id"] as? Int }).count == 2, "two incidents")

            let eastOnly = try await incidents(["--cluster", "east"])
            #expect(!eastOnly.isEmpty && eastOnly.allSatisfy { $0["cluster"] as? String == "east" }, "\(eastOnly)")
            let westTickets = Helpers.array(try await OperatorBinary.run(["tickets", "list", "--db", db, "--cluster", "west", "--json"]).json)
            #expect(!westTickets.isEmpty && westTickets.allSatisfy { $0["cluster"] as? String == "west" })
            let table = try await OperatorBinary.run(["incidents", "list", "--db", db])
            #expect(table.stdout.contains("CLUSTER"), "\(table.stdout)")

            // diagnose --incident checks the cluster it was asked about.
            let eastIncident = try #require(eastOnly.first { $0["root_invariant"] as? String == "store-down" }?["id"] as? Int)
            let wrong = try await OperatorBinary.run(["diagnose", "--config", yaml, "--incident", "\(eastIncident)", "--cluster", "west"])
            #expect(wrong.status == 2)
            #expect(wrong.stderr.contains("belongs to cluster east"), "\(wrong.stderr)")
            let right = try await OperatorBinary.run(["diagnose", "--config", yaml, "--incident", "\(eastIncident)", "--json"])
            #expect(right.status == 0, "\(right.stderr)")
            #expect(Helpers.array(right.json).first?["incident_id"] as? Int == eastIncident)
            #expect(Helpers.array(right.json).first?["cluster"] as? String == "east")

            eastMonitor.signal(SIGTERM)
            westMonitor.signal(SIGTERM)
            #expect(try await eastMonitor.wait(timeout: .seconds(30)).status == 0)
            #expect(try await westMonitor.wait(timeout: .seconds(30)).status == 0)
        }

        @Test func aSingleClusterFileIsClusterDefault() async throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let sim = try await startSimulator()
            defer { sim.running.stop() }
            let yaml = dir.file("operator.yaml")
            try "subject: tikv\nendpoints: [\(sim.pd)]\n".write(toFile: yaml, atomically: true, encoding: .utf8)
            let plain = try await OperatorBinary.run(["status", "--config", yaml, "--json"])
            #expect(plain.status == 0, "\(plain.stderr)")
            #expect(Helpers.object(plain.json)["cluster"] as? String == "default")
            let named = try await OperatorBinary.run(["status", "--config", yaml, "--cluster", "default", "--json"])
            #expect(named.status == 0)
            let other = try await OperatorBinary.run(["status", "--config", yaml, "--cluster", "east"])
            #expect(other.status == 2)
            #expect(other.stderr.contains("has no \"clusters\" list"), "\(other.stderr)")
        }
    }
}
