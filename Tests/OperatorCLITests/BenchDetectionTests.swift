import Foundation
import OperatorTestSupport
import Testing

extension EndToEnd {
    /// `operator bench detection` against real etcd, Prometheus and Alertmanager (Debian packages). Skipped,
    /// with the reason printed, only where they are not installed; CI installs them. Serialized: each run
    /// starts a cluster and a Prometheus, too much for two at once on a small machine.
    @Suite("operator bench detection", .serialized)
    struct BenchDetectionTests {
        static let programs = [["etcd"], ["prometheus"], ["prometheus-alertmanager", "alertmanager"]]

        /// Nil when everything is installed, else what is missing.
        static var missing: String? {
            let absent = programs.filter { names in !names.contains { installed($0) != nil } }
            guard !absent.isEmpty else { return nil }
            return absent.map { $0.joined(separator: " or ") }.joined(separator: ", ")
                + " not installed (apt-get install -y etcd-server prometheus prometheus-alertmanager)"
        }

        /// Where `name` is installed: PATH, then the sbin directories Debian puts daemons in.
        static func installed(_ name: String) -> String? {
            let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin") + ":/usr/sbin:/sbin"
            return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        }

        static func skipReason() -> Bool {
            guard let missing else { return false }
            print("skipping bench detection test: \(missing)")
            return true
        }

        @Test func twoKillsAreTimedOnBothSystems() async throws {
            if Self.skipReason() { return }
            let dir = try TemporaryDirectory(prefix: "operator-bench-detection-test")
            defer {
                Self.killLeftovers(in: dir.path)
                dir.remove()
            }
            let r = try await OperatorBinary.run(
                [
                    "bench", "detection", "--kills", "2", "--work-directory", dir.path, "--json", "--healthy-minutes", "0.5",
                    "--simulator-kills", "1", "--idle-stores", "0",
                ], timeout: .seconds(400))
            #expect(r.status == 0, "\(r.stderr)")
            let json = try #require(r.json as? [String: Any], "stdout: \(r.stdout)\nstderr: \(r.stderr)")

            let kills = try #require(json["kills"] as? [[String: Any]])
            #expect(kills.count == 2)
            #expect(kills.map { $0["index"] as? Int } == [1, 2])
            let members = kills.compactMap { $0["member"] as? String }
            #expect(members.count == 2 && Set(members).count == 2, "two different members: \(members)")
            #expect(members.allSatisfy { $0.hasPrefix("member:e") })
            #expect(kills[0]["was_leader"] as? Bool == false, "the first kill takes a follower")
            #expect(kills[1]["was_leader"] as? Bool == true, "the second kill takes the leader")
            for kill in kills {
                let instance = try #require(kill["instance"] as? String)
                #expect(instance.hasPrefix("127.0.0.1:"))
                // A measured latency is positive; a timeout is null and explained in the notes.
                // operator_notified_seconds: kill → OperatorIncident through the same Alertmanager (the outbox path).
                for key in ["operator_seconds", "alertmanager_seconds", "operator_notified_seconds", "event_driven_seconds"] {
                    if let seconds = kill[key] as? Double {
                        #expect(seconds > 0, "\(key)")
                    } else {
                        #expect(kill[key] is NSNull)
                        #expect((kill["notes"] as? [String] ?? []).isEmpty == false, "a timeout is explained")
                    }
                }
            }

            for key in ["operator", "prometheus_alertmanager", "operator_notified"] {
                let summary = try #require(json[key] as? [String: Any])
                let count = try #require(summary["count"] as? Int)
                let timeouts = try #require(summary["timeouts"] as? Int)
                #expect(count + timeouts == 2, "\(key): every kill is either measured or a timeout")
                try expectOrdered(summary, key)
            }
            let op = try #require(json["operator"] as? [String: Any])
            let am = try #require(json["prometheus_alertmanager"] as? [String: Any])
            if let a = am["p50_seconds"] as? Double, let o = op["p50_seconds"] as? Double {
                let ratio = try #require(json["ratio_p50"] as? Double)
                #expect(abs(ratio - a / o) < 1e-9)
            }
            // The event-driven monitor on the same kills, split by role.
            let events = try #require(json["event_driven"] as? [String: Any])
            let all = try #require(events["all"] as? [String: Any])
            #expect((all["count"] as? Int ?? 0) + (all["timeouts"] as? Int ?? 0) == 2)
            try expectOrdered(all, "event_driven.all")
            #expect((events["followers"] as? [String: Any])?["count"] as? Int ?? 0 <= 1)
            // The false-ticket run: one graceful restart, every ticket classified.
            let healthy = try #require(json["healthy_run"] as? [String: Any])
            #expect(healthy["restarts"] as? Int == 1, "\(healthy)")
            for mode in ["polling", "event_driven"] {
                let m = try #require(healthy[mode] as? [String: Any])
                #expect(m["false_tickets"] is [Any] && m["during_restarts"] is Int, "\(mode): \(m)")
            }
            // The TiKV simulator's store kill: ticketed while PD still reported the store Up.
            let simulator = try #require(json["tikv_simulator"] as? [String: Any])
            let storeKills = try #require(simulator["kills"] as? [[String: Any]])
            #expect(storeKills.count == 1)
            #expect(storeKills.first?["event_driven_seconds"] is Double, "\(storeKills)")
            #expect(storeKills.first?["before_pd"] as? Bool == true, "\(storeKills)")

            let config = try #require(json["configuration"] as? [String: Any])
            #expect(config["scrape_interval"] as? String == "1s")
            #expect(config["evaluation_interval"] as? String == "1s")
            #expect(config["group_wait"] as? String == "1s")
            #expect(config["operator_interval"] as? String == "1s")
            #expect(config["members"] as? Int == 3)

            #expect(Self.processes(mentioning: dir.path).isEmpty, "everything the benchmark started is stopped")
            #expect(!FileManager.default.fileExists(atPath: dir.path + "/etcd/e1.data"), "etcd data is removed without --keep")
        }

        @Test func ctrlCStopsEverythingItStarted() async throws {
            if Self.skipReason() { return }
            let dir = try TemporaryDirectory(prefix: "operator-bench-detection-test")
            defer {
                Self.killLeftovers(in: dir.path)
                dir.remove()
            }
            let running = try OperatorBinary.start(["bench", "detection", "--kills", "3", "--work-directory", dir.path])
            defer { running.stop() }
            // Interrupt once Prometheus, Alertmanager and the cluster are all up.
            let deadline = ContinuousClock.now + .seconds(120)
            while !running.stderrSoFar.contains("waiting for Operator's first healthy tick") && running.process.isRunning
                && ContinuousClock.now < deadline
            {
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(running.stderrSoFar.contains("waiting for Operator's first healthy tick"), "\(running.stderrSoFar)")
            #expect(!Self.processes(mentioning: dir.path).isEmpty, "etcd and Prometheus run before the interrupt")
            running.signal(SIGINT)
            let r = try await running.wait(timeout: .seconds(60))
            #expect(r.status == 130, "\(r.stderr)")
            #expect(r.stderr.contains("interrupted"))
            #expect(Self.processes(mentioning: dir.path).isEmpty, "everything the benchmark started is stopped")
        }

        /// Pids of processes whose command line mentions `text` (etcd's data directory, Prometheus's config).
        static func processes(mentioning text: String) -> [Int32] {
            let fm = FileManager.default
            guard let entries = try? fm.contentsOfDirectory(atPath: "/proc") else { return [] }
            return entries.compactMap { entry -> Int32? in
                guard let pid = Int32(entry), pid != getpid(),
                    let data = fm.contents(atPath: "/proc/\(entry)/cmdline"), !data.isEmpty,
                    let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                    let close = stat.lastIndex(of: ")"), stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first != "Z"
                else { return nil }
                let cmdline = String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
                return cmdline.contains(text) ? pid : nil
            }
        }

        /// After a failed test: SIGKILL whatever the run left behind, so no test leaks processes.
        static func killLeftovers(in dir: String) {
            for pid in processes(mentioning: dir) { kill(pid, SIGKILL) }
        }
    }
}
