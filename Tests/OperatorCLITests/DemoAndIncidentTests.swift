import Foundation
import OperatorCore
import OperatorTestSupport
import Testing

extension EndToEnd {
    /// The full cycle as a user runs it: `operator demo`, `operator eval`, and a monitor watching the embedded
    /// simulator while faults are injected and lifted through `operator simulate`, all over real HTTP.
    @Suite("operator demo, eval and incidents, end to end")
    struct DemoAndIncidentTests {
        static func object(_ any: Any?) -> [String: Any] { any as? [String: Any] ?? [:] }
        static func array(_ any: Any?) -> [[String: Any]] { any as? [[String: Any]] ?? [] }

        @Test("demo --json: one object with the phases in order; the kept incident replays to the same root cause")
        func demoJSONAndReplay() async throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let db = dir.file("demo.db")
            let r = try await OperatorBinary.run(["demo", "--json", "--db", db], timeout: .seconds(180))
            #expect(r.status == 0, "\(r.stderr)")
            let result = Self.object(r.json)
            #expect(result["subject"] as? String == "tikv")
            #expect(Self.object(result["fault"])["kind"] as? String == "store-down")
            #expect(Self.object(result["fault"])["entity"] as? String == "store:2")
            let phases = Self.array(result["timeline"]).compactMap { $0["phase"] as? String }
            let expected = ["healthy", "fault injected", "violation seen", "ticket created", "diagnosed"]
            #expect(phases.filter(expected.contains) == expected, "phases: \(phases)")
            let offsets = Self.array(result["timeline"]).compactMap { $0["offset_seconds"] as? Double }
            #expect(offsets.count == phases.count && offsets == offsets.sorted(), "offsets: \(offsets)")
            #expect(Self.array(result["timeline"]).allSatisfy { ($0["at"] as? String).flatMap(Timestamp.parse) != nil })
            let detect = try #require(result["detect_seconds"] as? Double)
            #expect(detect > 0 && detect < 60)
            #expect((result["diagnose_seconds"] as? Double).map { $0 >= 0 } == true)

            let diagnosis = Self.object(Self.object(result["ticket"])["diagnosis"])
            let cause = Self.object(diagnosis["root_cause"])
            #expect(cause["category"] as? String == "node-down")
            #expect(cause["entity"] as? String == "store:2")
            let evidence = Self.array(diagnosis["evidence"])
            #expect(!evidence.isEmpty && evidence.allSatisfy { $0["value"] != nil && $0["signal"] is String })
            #expect(Self.array(diagnosis["alternatives"]).contains { ($0["rejected_because"] as? String)?.isEmpty == false })

            // The kept database: one incident rooted at the killed store, holding its store-down ticket.
            let incidents = Self.array(try await OperatorBinary.run(["incidents", "list", "--db", db, "--json"]).json)
            #expect(incidents.count == 1)
            let incident = try #require(incidents.first)
            #expect(incident["root_entity"] as? String == "store:2")
            let id = try #require(incident["id"] as? Int)
            let tickets = Self.array(try await OperatorBinary.run(["tickets", "list", "--db", db, "--json"]).json)
            #expect(tickets.contains { $0["invariant"] as? String == "store-down" && $0["entity"] as? String == "store:2"
                && $0["incident_id"] as? Int == id })

            // Replay: the stored context, diagnosed again without the cluster (long gone), same root cause.
            let context = dir.file("context.json")
            let replay = try await OperatorBinary.run(
                ["diagnose", "--incident", "\(id)", "--replay", "--db", db, "--json", "--export-context", context])
            #expect(replay.status == 0, "\(replay.stderr)")
            let replayed = Self.object(Self.object(Self.array(replay.json).first)["diagnosis"])
            #expect(Self.object(replayed["root_cause"])["category"] as? String == "node-down")
            #expect(Self.object(replayed["root_cause"])["entity"] as? String == "store:2")

            // …and the exported context is an eval scenario.
            try """
                name: replayed-demo
                replay: context.json
                expect: { category: node-down, entity: "store:2" }
                """.write(toFile: dir.file("replayed.yaml"), atomically: true, encoding: .utf8)
            let wrong = dir.file("wrong")
            try FileManager.default.createDirectory(atPath: wrong, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: context, toPath: wrong + "/context.json")
            try """
                name: replayed-wrongly
                replay: context.json
                expect: { category: disk-full, entity: "store:2" }
                """.write(toFile: wrong + "/wrong.yaml", atomically: true, encoding: .utf8)
            let eval = try await OperatorBinary.run(["eval", dir.file("replayed.yaml"), "--json"])
            #expect(eval.status == 0, "\(eval.stderr)")
            #expect(Self.object(eval.json)["accuracy"] as? Double == 1)
            let graded = try await OperatorBinary.run(["eval", wrong, "--json"])
            #expect(Self.object(graded.json)["accuracy"] as? Double == 0, "a wrong expectation is graded wrong")
            #expect(Self.object(Self.array(Self.object(graded.json)["results"]).first)["correct"] as? Bool == false)
        }

        @Test("eval runs simulator scenarios from YAML: table fields in JSON, faults graded on category and entity")
        func evalOnTheSimulator() async throws {
            let scenarios = PackagePaths.root.appendingPathComponent("Tests/Scenarios").path
            let r = try await OperatorBinary.run(["eval", scenarios, "--filter", "hot-write", "--json"], timeout: .seconds(300))
            #expect(r.status == 0, "\(r.stderr)")
            let report = Self.object(r.json)
            let results = Self.array(report["results"])
            #expect(results.count == 2, "two hot-write scenarios ship")
            for result in results {
                #expect(result["name"] is String)
                #expect(Self.object(result["expected"])["category"] as? String == "overload")
                #expect(Self.object(result["got"])["category"] as? String == Self.object(result["expected"])["category"] as? String)
                #expect(Self.object(result["got"])["entity"] as? String == Self.object(result["expected"])["entity"] as? String)
                #expect(result["correct"] as? Bool == true)
                #expect((result["seconds"] as? Double).map { $0 > 0 } == true)
                // Diagnoser calls counted, not assumed: at least the graded diagnosis, and never more for
                // the graded incident than for the whole scenario.
                let calls = try #require(result["diagnoser_calls"] as? Int)
                let total = try #require(result["diagnoser_calls_total"] as? Int)
                #expect(calls >= 1 && calls <= total)
            }
            #expect(report["accuracy"] as? Double == 1)
            #expect(report["diagnoser"] as? String == "offline")
            #expect(report["diagnoser_calls"] as? Int == results.compactMap { $0["diagnoser_calls_total"] as? Int }.reduce(0, +))
        }

        @Test("eval rejects a scenario file that names no fault or an unknown subject, naming the file")
        func evalRejectsBadScenarios() async throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            try "name: x\nsubject: tikv-sim\nexpect: { category: node-down, entity: \"store:1\" }\n"
                .write(toFile: dir.file("nofault.yaml"), atomically: true, encoding: .utf8)
            let r = try await OperatorBinary.run(["eval", dir.file("nofault.yaml")])
            #expect(r.status == 2)
            #expect(r.stderr.contains("nofault.yaml") && r.stderr.contains("fault"))
            try "subject: cassandra\nfaults: [{ kind: store-down, target: \"store:1\" }]\nexpect: { category: node-down, entity: \"store:1\" }\n"
                .write(toFile: dir.file("subject.yaml"), atomically: true, encoding: .utf8)
            let s = try await OperatorBinary.run(["eval", dir.file("subject.yaml")])
            #expect(s.status == 2)
            #expect(s.stderr.contains("cassandra") && s.stderr.contains("known subjects:") && s.stderr.contains("etcd"))
            try "subject: tikv\nbackend: nosuch\nfaults: [{ kind: store-down, target: \"store:1\" }]\nexpect: { category: node-down, entity: \"store:1\" }\n"
                .write(toFile: dir.file("backend.yaml"), atomically: true, encoding: .utf8)
            let b = try await OperatorBinary.run(["eval", dir.file("backend.yaml")])
            #expect(b.status == 2)
            #expect(b.stderr.contains("backend.yaml") && b.stderr.contains("\"nosuch\"") && b.stderr.contains("it offers: compose, simulator"))
        }

        @Test("eval still reads `subject: tikv-sim` as subject tikv on the simulator backend, with a deprecation note")
        func evalAcceptsTheOldSimulatorSpelling() async throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            try "name: old\nsubject: tikv-sim\nfaults: [{ kind: store-down, target: \"store:1\" }]\nexpect: { category: node-down, entity: \"store:1\" }\n"
                .write(toFile: dir.file("old.yaml"), atomically: true, encoding: .utf8)
            // A filter that matches nothing: the file is loaded (and noted) but no cluster starts.
            let r = try await OperatorBinary.run(["eval", dir.file("old.yaml"), "--filter", "no-such-scenario"])
            #expect(r.status == 2)
            #expect(r.stderr.contains("`subject: tikv-sim` is deprecated; write `subject: tikv` and `backend: simulator`"))
            #expect(r.stderr.contains("no scenario matches"))
            try "name: old\nsubject: tikv-sim\nbackend: compose\nfaults: [{ kind: store-down, target: \"store:1\" }]\nexpect: { category: node-down, entity: \"store:1\" }\n"
                .write(toFile: dir.file("mixed.yaml"), atomically: true, encoding: .utf8)
            let mixed = try await OperatorBinary.run(["eval", dir.file("mixed.yaml")])
            #expect(mixed.status == 2)
            #expect(mixed.stderr.contains("write `subject: tikv` and `backend: compose`"))
        }

        /// Issue 9's acceptance on the simulator, through the CLI: one store killed → one open incident
        /// rooted at it with its `store-down` and the cluster's `replication-degraded`; lifting resolves it.
        @Test("A killed store makes one incident with store-down and replication-degraded; lifting the fault resolves it")
        func killedStoreIsOneIncident() async throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let simulator = try OperatorBinary.start(["simulate", "run", "--port", "0", "--time-scale", "20", "--qps", "100", "--json"])
            defer { simulator.stop() }
            let endpoints = try await Self.waitForJSON(simulator)
            let control = try #require(endpoints["control_url"] as? String)
            let pd = (endpoints["pd_urls"] as? [String] ?? []).joined(separator: ",")
            let port = try #require(URL(string: control)?.port)
            let db = dir.file("operator.db")
            let monitor = try OperatorBinary.start(
                ["monitor", "--subject", "tikv", "--endpoints", pd, "--interval", "500ms", "--db", db, "--diagnose", "offline"])
            defer { monitor.stop() }

            func incidents() async throws -> [[String: Any]] {
                Self.array(try await OperatorBinary.run(["incidents", "list", "--db", db, "--json"]).json)
            }
            func tickets() async throws -> [[String: Any]] {
                Self.array(try await OperatorBinary.run(["tickets", "list", "--db", db, "--json"]).json)
            }
            // Healthy first: the monitor has ticked and opened nothing.
            try await Self.eventually("the monitor's database", timeout: .seconds(30)) {
                try await OperatorBinary.run(["tickets", "list", "--db", db, "--json"]).status == 0
            }
            try await Task.sleep(for: .seconds(2))
            let early = try await tickets()
            #expect(early.isEmpty, "a healthy simulated cluster opens no ticket: \(early)")

            let fault = try await OperatorBinary.run(["simulate", "fault", "store-down", "store:2", "--port", "\(port)"])
            #expect(fault.status == 0, "\(fault.stderr)")
            try await Self.eventually("store-down and replication-degraded in one incident", timeout: .seconds(240)) {
                let open = try await tickets().filter { $0["status"] as? String != "resolved" }
                return open.contains { $0["invariant"] as? String == "store-down" }
                    && open.contains { $0["invariant"] as? String == "replication-degraded" }
            }
            let open = try await incidents().filter { $0["status"] as? String != "resolved" }
            #expect(open.count == 1, "one incident, not one per symptom: \(open.map { $0["title"] ?? "" })")
            let incident = try #require(open.first)
            #expect(incident["root_entity"] as? String == "store:2")
            #expect(incident["root_invariant"] as? String == "store-down")
            let members = try await tickets().filter { $0["incident_id"] as? Int == incident["id"] as? Int }
            #expect(members.contains { $0["invariant"] as? String == "store-down" && $0["entity"] as? String == "store:2" })
            #expect(members.contains { $0["invariant"] as? String == "replication-degraded" && $0["entity"] as? String == "cluster" })

            let lift = try await OperatorBinary.run(["simulate", "lift", "store-down", "store:2", "--port", "\(port)"])
            #expect(lift.status == 0, "\(lift.stderr)")
            try await Self.eventually("the incident resolved after the lift", timeout: .seconds(240)) {
                try await incidents().first { $0["id"] as? Int == incident["id"] as? Int }?["status"] as? String == "resolved"
            }
            #expect(try await tickets().allSatisfy { $0["status"] as? String == "resolved" })
        }

        @Test("operator check --json against `operator simulate`: healthy (0), a fault on the right entity (1), healthy after the lift")
        func checkAgainstTheSimulator() async throws {
            let simulator = try OperatorBinary.start(["simulate", "run", "--port", "0", "--time-scale", "20", "--json"])
            defer { simulator.stop() }
            let endpoints = try await Self.waitForJSON(simulator)
            let pd = (endpoints["pd_urls"] as? [String] ?? []).joined(separator: ",")
            let port = try #require(URL(string: endpoints["control_url"] as? String ?? "")?.port)
            func check() async throws -> (Int32, Set<String>) {
                let r = try await OperatorBinary.run(["check", "--subject", "tikv", "--endpoints", pd, "--json"])
                let found = Self.array(Self.object(r.json)["violations"]).map { "\($0["invariant"] ?? "") \($0["entity"] ?? "")" }
                return (r.status, Set(found))
            }
            try await Self.eventually("a healthy check", timeout: .seconds(30)) { try await check().0 == 0 }
            let healthy = try await check()
            #expect(healthy.0 == 0 && healthy.1.isEmpty, "\(healthy.1)")
            #expect(Self.object(try await OperatorBinary.run(["check", "--subject", "tikv", "--endpoints", pd, "--json"]).json)["healthy"] as? Bool == true)

            #expect(try await OperatorBinary.run(["simulate", "fault", "disk-full", "store:1", "--port", "\(port)"]).status == 0)
            try await Self.eventually("store-low-space on store:1", timeout: .seconds(30)) { try await check().1.contains("store-low-space store:1") }
            let faulty = try await check()
            #expect(faulty.0 == 1)
            #expect(!faulty.1.contains { $0.hasSuffix("store:2") || $0.hasSuffix("store:3") }, "only store 1 is at fault: \(faulty.1)")

            #expect(try await OperatorBinary.run(["simulate", "lift", "disk-full", "store:1", "--port", "\(port)"]).status == 0)
            try await Self.eventually("healthy after the lift", timeout: .seconds(30)) { try await check().0 == 0 }
        }

        @Test("SIGTERM stops the monitor promptly, exit 0, with the database intact and its heartbeats written")
        func monitorStopsOnSIGTERM() async throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let db = dir.file("operator.db")
            // Nothing listens there: every tick records observation-failed, so the database is being written.
            let monitor = try OperatorBinary.start(
                ["monitor", "--subject", "tikv", "--endpoints", "http://127.0.0.1:\(closedLocalPort())", "--interval", "200ms", "--db", db])
            defer { monitor.stop() }
            try await Self.eventually("an observation-failed ticket", timeout: .seconds(30)) {
                Self.array(try await OperatorBinary.run(["tickets", "list", "--db", db, "--json"]).json)
                    .contains { $0["invariant"] as? String == "observation-failed" }
            }
            monitor.signal(SIGTERM)
            // The acceptance bound: stopped within 2 s (wait kills it after that, which fails the status check).
            let r = try await monitor.wait(timeout: .seconds(2))
            #expect(r.status == 0, "exit \(r.status): \(r.stderr.suffix(500))")
            let store = try SQLiteTicketStore(path: db)
            let tickets = try await store.tickets(TicketFilter())
            #expect(tickets.count == 1 && tickets.first?.invariant == "observation-failed")
            let check = try await OperatorBinary.run(["tickets", "list", "--db", db, "--json"])
            #expect(check.status == 0)
            if let sqlite = BenchDetectionTests.installed("sqlite3") {
                let p = Process()
                p.executableURL = URL(fileURLWithPath: sqlite)
                p.arguments = [db, "PRAGMA integrity_check; SELECT count(*) > 0 FROM heartbeat;"]
                let out = Pipe()
                p.standardOutput = out
                try p.run()
                p.waitUntilExit()
                let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                #expect(text == "ok\n1\n", "sqlite3 says: \(text)")
            }
        }

        @Test("Ctrl-C during the etcd demo exits 130 and leaves no etcd running and no state behind")
        func ctrlCStopsTheEtcdDemo() async throws {
            if BenchDetectionTests.skipReason() { return }
            let dir = try TemporaryDirectory(prefix: "operator-demo-test")
            defer {
                BenchDetectionTests.killLeftovers(in: dir.path)
                dir.remove()
            }
            // TMPDIR puts the demo's working directory (data dirs, logs, database) where this test can look.
            // A 3 s interval leaves seconds between the fault and its detection to interrupt in, even on a busy machine.
            let demo = try OperatorBinary.start(["demo", "--subject", "etcd", "--interval", "3s"], environment: ["TMPDIR": dir.path])
            defer { demo.stop() }
            try await Self.eventually("the etcd cluster healthy under the monitor", timeout: .seconds(120)) {
                demo.stdoutSoFar.contains("fault injected") || !demo.process.isRunning
            }
            #expect(demo.process.isRunning, "\(demo.stderrSoFar)")
            #expect(!BenchDetectionTests.processes(mentioning: dir.path).isEmpty, "etcd members run before the interrupt")
            demo.signal(SIGINT)
            let r = try await demo.wait(timeout: .seconds(60))
            #expect(r.status == 130, "\(r.stderr)")
            #expect(r.stderr.contains("interrupted"))
            #expect(BenchDetectionTests.processes(mentioning: dir.path).isEmpty, "every member the demo started is stopped")
            let left = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
            #expect(!left.contains { $0.hasPrefix("operator-demo") }, "the demo's working directory is removed: \(left)")
        }

        // MARK: helpers

        static func waitForJSON(_ running: OperatorBinary.Running) async throws -> [String: Any] {
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline {
                let text = running.stdoutSoFar
                if let end = text.range(of: "\n}") {
                    return object(try JSONSerialization.jsonObject(with: Data(text[..<end.upperBound].utf8)))
                }
                guard running.process.isRunning else { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            throw TestServerError(message: "the simulator printed no endpoints: \(running.stderrSoFar.suffix(500))")
        }

        static func eventually(_ what: String, timeout: Duration, _ condition: () async throws -> Bool) async throws {
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                if (try? await condition()) == true { return }
                try await Task.sleep(for: .milliseconds(250))
            }
            if try await condition() { return }
            throw TestServerError(message: "timed out after \(timeout) waiting for \(what)")
        }
    }
}
