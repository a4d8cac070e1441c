import Foundation
import OperatorCore
import OperatorTestSupport
import Testing

extension EndToEnd {
    /// A store killed and revived again and again under `operator monitor --diagnose offline`, through
    /// `operator simulate` over real HTTP: the incident is diagnosed for what is new, not for each cycle,
    /// becomes flapping, and settles once the store stays up.
    @Suite("flapping fault, end to end")
    struct FlappingEndToEndTests {
        typealias Helpers = DemoAndIncidentTests

        @Test("store:2 down and up three times: flapping ×2 after the second recurrence, at most one diagnosis per new ticket, settles")
        func aFlappingStoreIsDampedAndSettles() async throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let simulator = try OperatorBinary.start(["simulate", "run", "--port", "0", "--time-scale", "20", "--json"])
            defer { simulator.stop() }
            let endpoints = try await Helpers.waitForJSON(simulator)
            let control = try #require(endpoints["control_url"] as? String)
            let pd = (endpoints["pd_urls"] as? [String] ?? []).joined(separator: ",")
            let port = try #require(URL(string: control)?.port)
            let db = dir.file("operator.db")
            let monitor = try OperatorBinary.start([
                "monitor", "--subject", "tikv", "--endpoints", pd, "--interval", "500ms", "--db", db, "--diagnose", "offline",
                "--resolve-after", "2", "--flap-threshold", "2", "--flap-settle", "4s",
            ])
            defer { monitor.stop() }

            func storeDown() async throws -> [String: Any]? {
                Helpers.array(try await OperatorBinary.run(["tickets", "list", "--db", db, "--json"]).json)
                    .first { $0["invariant"] as? String == "store-down" && $0["entity"] as? String == "store:2" }
            }
            func incident(_ id: Int) async throws -> [String: Any] {
                let shown = try await OperatorBinary.run(["incidents", "show", "\(id)", "--db", db, "--json"])
                #expect(shown.status == 0, "incidents show \(id): exit \(shown.status): \(shown.stderr)")
                return Helpers.object(Helpers.object(shown.json)["incident"])
            }
            try await Helpers.eventually("the monitor's database", timeout: .seconds(30)) {
                try await OperatorBinary.run(["tickets", "list", "--db", db, "--json"]).status == 0
            }

            var incidentID = 0
            for cycle in 1...3 {
                #expect(try await OperatorBinary.run(["simulate", "fault", "store-down", "store:2", "--port", "\(port)"]).status == 0)
                // Seen again (cycle - 1 recurrences), and the runner has had its say (diagnosed or skipped).
                try await Helpers.eventually("cycle \(cycle): store:2 down and its incident handled", timeout: .seconds(240)) {
                    guard let t = try await storeDown(), t["status"] as? String != "resolved",
                        t["reopen_count"] as? Int == cycle - 1, let id = t["incident_id"] as? Int
                    else { return false }
                    incidentID = id
                    // The incident can read "diagnosed" from the cycle before: wait until the runner has had
                    // its say on this cycle too (a diagnosis or a skip per cycle so far).
                    let show = Helpers.object(try await OperatorBinary.run(["incidents", "show", "\(id)", "--db", db, "--json"]).json)
                    let handled = Helpers.array(show["timeline"]).filter {
                        ["diagnosed", "diagnosis-skipped"].contains($0["kind"] as? String ?? "")
                    }.count
                    return try await incident(id)["status"] as? String == "diagnosed" && handled >= cycle
                }
                #expect(try await OperatorBinary.run(["simulate", "lift", "store-down", "store:2", "--port", "\(port)"]).status == 0)
                if cycle < 3 {
                    try await Helpers.eventually("cycle \(cycle): store:2 ticket resolved", timeout: .seconds(240)) {
                        try await storeDown()?["status"] as? String == "resolved"
                    }
                }
            }

            let flapping = try await incident(incidentID)
            #expect(flapping["flapping"] as? Bool == true, "\(flapping)")
            #expect(flapping["flap_count"] as? Int == 2)
            let list = try await OperatorBinary.run(["incidents", "list", "--db", db])
            #expect(list.stdout.contains("flapping ×2"), "\(list.stdout)")

            try await Helpers.eventually("the incident settled and resolved", timeout: .seconds(240)) {
                try await incident(incidentID)["status"] as? String == "resolved"
            }
            let show = Helpers.object(try await OperatorBinary.run(["incidents", "show", "\(incidentID)", "--db", db, "--json"]).json)
            let settled = Helpers.object(show["incident"])
            #expect(settled["flapping"] as? Bool == false)
            #expect(settled["flap_count"] as? Int == 2, "the count stays as history")
            let timeline = Helpers.array(show["timeline"])
            let kinds = timeline.compactMap { $0["kind"] as? String }
            // Members are store-down and whatever it caused while down (replication-degraded when regions
            // lose their peer; leader-imbalance or a slow tick's signals on a loaded machine): a new member is
            // new evidence, so at most one diagnosis per member ticket — never one per cycle — and every
            // recurrence was handled (diagnosed for what was new, or skipped saying what was compared).
            let members = Set(Helpers.array(show["tickets"]).compactMap { $0["id"] as? Int })
            let diagnosed = kinds.filter { $0 == "diagnosed" }.count
            #expect(diagnosed >= 1 && diagnosed <= max(1, members.count), "members \(members.count): \(timeline)")
            #expect(diagnosed + kinds.filter { $0 == "diagnosis-skipped" }.count >= 3, "first diagnosis + two recurrences handled: \(kinds)")
            #expect(kinds.filter { $0 == "flapping" }.count == 1)
        }

        @Test("bad flap settings exit 2 naming the flag or key; monitor --help documents them")
        func badFlapSettingsAreUsageErrors() async throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let db = dir.file("operator.db")
            let port = try closedLocalPort()
            let base = ["monitor", "--subject", "tikv", "--endpoints", "http://127.0.0.1:\(port)", "--db", db]
            let zero = try await OperatorBinary.run(base + ["--flap-threshold", "0"])
            #expect(zero.status == 2)
            #expect(zero.stderr.contains("--flap-threshold"), "\(zero.stderr)")
            let window = try await OperatorBinary.run(base + ["--flap-window", "soon"])
            #expect(window.status == 2)
            #expect(window.stderr.contains("--flap-window"), "\(window.stderr)")
            try "flapping: { threshhold: 3 }\n".write(toFile: dir.file("typo.yaml"), atomically: true, encoding: .utf8)
            let typo = try await OperatorBinary.run(base + ["--config", dir.file("typo.yaml")])
            #expect(typo.status == 2)
            #expect(typo.stderr.contains("flapping.threshhold"), "\(typo.stderr)")
            try "flapping: { settle: 300 }\n".write(toFile: dir.file("unitless.yaml"), atomically: true, encoding: .utf8)
            let unitless = try await OperatorBinary.run(base + ["--config", dir.file("unitless.yaml")])
            #expect(unitless.status == 2)
            #expect(unitless.stderr.contains("flapping.settle"), "\(unitless.stderr)")
            #expect(!FileManager.default.fileExists(atPath: db), "nothing opened before the settings were valid")
            let help = try await OperatorBinary.run(["monitor", "--help"])
            for flag in ["--flap-threshold", "--flap-window", "--flap-settle"] { #expect(help.stdout.contains(flag)) }
        }
    }
}
