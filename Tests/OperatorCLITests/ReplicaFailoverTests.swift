import Foundation
import OperatorTestSupport
import Testing

extension EndToEnd {
    /// Three `operator serve` replicas sharing one database and one config of six simulated TiKV clusters:
    /// each cluster watched by exactly one replica, two each; SIGKILL one and its clusters move to the other
    /// two; a fault injected during the move is ticketed once; the incident history carries on.
    @Suite("serve replicas share clusters by lease")
    struct ReplicaFailoverTests {
        typealias Serve = ServeEndToEndTests

        /// The one place the shared database is chosen: a SQLite file (several processes on one machine sharing
        /// it is a supported setup), or a fresh database on the test PostgreSQL server; `OPERATOR_HA_TEST_DB`
        /// overrides both (any `postgres://…` to try another server).
        /// With PostgreSQL, the `db_password_file:` line operator.yaml needs (the password never in the URL).
        static func database(_ engine: String, in dir: TemporaryDirectory) async throws -> (url: String, configLine: String) {
            if let url = ProcessInfo.processInfo.environment["OPERATOR_HA_TEST_DB"], !url.isEmpty { return (url, "") }
            guard engine == "postgres" else { return (dir.file("operator.db"), "") }
            let server = try await TestPostgres.shared()
            let passwordFile = dir.file("db-password")
            try server.password.write(toFile: passwordFile, atomically: true, encoding: .utf8)
            return (server.url(database: try await server.createDatabase()), "db_password_file: \(passwordFile)\n")
        }

        static let leaseSeconds = 3
        static let clusterNames = (1...6).map { "c\($0)" }

        struct Simulator {
            var running: OperatorBinary.Running
            var pd: [String]
            var control: Int
        }

        /// What one replica says it runs (`/healthz`'s `watching`), by replica name.
        static func watching(_ replicas: [String: String]) async throws -> [String: Set<String>] {
            var out: [String: Set<String>] = [:]
            for (name, base) in replicas {
                let body = try #require(try await Serve.get(base + "/healthz").body as? [String: Any])
                #expect(body["replica"] as? String == name)
                out[name] = Set(body["watching"] as? [String] ?? [])
            }
            return out
        }

        /// Who the shared lease table says watches each cluster, as one replica's API shows it.
        static func watchedBy(_ base: String) async throws -> [String: String] {
            let list = try await Serve.get(base + "/api/v1/clusters").body as? [[String: Any]] ?? []
            var out: [String: String] = [:]
            for cluster in list {
                if let name = cluster["name"] as? String, let by = cluster["watched_by"] as? [String: Any], let replica = by["replica"] as? String {
                    out[name] = replica
                }
            }
            return out
        }

        /// Every cluster run by exactly one of `replicas`, each running `perReplica`, and the lease table
        /// (through every replica's API) naming the same watcher.
        static func spread(_ replicas: [String: String], perReplica: Int) async throws -> Bool {
            let runs = try await watching(replicas)
            let all = runs.values.flatMap { $0 }
            guard all.count == clusterNames.count, Set(all) == Set(clusterNames) else { return false }
            guard runs.values.allSatisfy({ $0.count == perReplica }) else { return false }
            for base in replicas.values {
                let table = try await watchedBy(base)
                for (replica, clusters) in runs { for cluster in clusters where table[cluster] != replica { return false } }
            }
            return true
        }

        static func items(_ url: String) async throws -> [[String: Any]] {
            (try await Serve.get(url).body as? [String: Any])?["items"] as? [[String: Any]] ?? []
        }

        @Test(
            "three replicas, six clusters: two each, one watcher per cluster; SIGKILL one → its clusters move, a fault during the move is ticketed once, history continues",
            arguments: ["sqlite", "postgres"])
        func replicasShareAndFailOver(_ engine: String) async throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            var simulators: [Simulator] = []
            defer { for simulator in simulators { simulator.running.stop() } }
            for _ in Self.clusterNames {
                let running = try OperatorBinary.start(["simulate", "run", "--port", "0", "--time-scale", "20", "--json"])
                simulators.append(Simulator(running: running, pd: [], control: 0))
                let endpoints = try await DemoAndIncidentTests.waitForJSON(running)
                simulators[simulators.count - 1].pd = endpoints["pd_urls"] as? [String] ?? []
                simulators[simulators.count - 1].control = try #require(URL(string: endpoints["control_url"] as? String ?? "")?.port)
            }
            let config = dir.file("operator.yaml")
            let entries = zip(Self.clusterNames, simulators).map { name, simulator in
                """
                  - name: \(name)
                    subject: tikv
                    endpoints: [\(simulator.pd.joined(separator: ", "))]
                    interval: 500ms
                """
            }
            // The outbox, delivered by whichever replica holds its lease, to a receiver that keeps every POST.
            let receiver = try await ReceivingServer.start()
            defer { receiver.server.stop() }
            let (database, passwordLine) = try await Self.database(engine, in: dir)
            try """
                \(passwordLine)notify:
                  retry_base: 100ms
                  retry_cap: 1s
                  poll_interval: 100ms
                  receivers:
                    - { name: ha-test, type: webhook, url: "\(receiver.baseURL)/hook", secret_env: HA_TEST_SECRET }
                clusters:
                \(entries.joined(separator: "\n"))

                """.write(toFile: config, atomically: true, encoding: .utf8)


            var replicas: [String: OperatorBinary.Running] = [:]
            defer { for replica in replicas.values { replica.stop() } }
            for name in ["r1", "r2", "r3"] {
                replicas[name] = try OperatorBinary.start(
                    [
                        "serve", "--config", config, "--db", database, "--listen", "127.0.0.1:0",
                        "--replica-name", name, "--lease-duration", "\(Self.leaseSeconds)s",
                    ], environment: ["HA_TEST_SECRET": "ha-test-shared-secret"])
            }
            var bases: [String: String] = [:]
            for (name, replica) in replicas { bases[name] = try await Serve.servingURL(replica) }

            try await DemoAndIncidentTests.eventually("each replica watches two clusters, each cluster one replica", timeout: .seconds(240)) {
                try await Self.spread(bases, perReplica: 2)
            }
            for base in bases.values {
                try await DemoAndIncidentTests.eventually("/readyz 200", timeout: .seconds(240)) { try await Serve.get(base + "/readyz").status == 200 }
            }
            let before = try await Self.watching(bases)
            // The console shows who watches each cluster.
            let home = try await Serve.text(try #require(bases["r1"]) + "/")
            #expect(home.status == 200 && ["r1", "r2", "r3"].allSatisfy { home.body.contains(">\($0)<") }, "\(home.body.prefix(1500))")

            // History: a fault in one of the victim's clusters, its incident open before the kill.
            let victim = try #require(before.first { $0.value.contains("c1") }?.key)
            let victimClusters = try #require(before[victim]).sorted()
            let early = "c1"
            let moved = try #require(victimClusters.first { $0 != early })
            let index = { (cluster: String) in Self.clusterNames.firstIndex(of: cluster) ?? 0 }
            let base = try #require(bases.first { $0.key != victim }?.value)
            #expect(try await OperatorBinary.run(["simulate", "fault", "store-down", "store:2", "--port", "\(simulators[index(early)].control)"]).status == 0)
            var earlyIncident: Int?
            try await DemoAndIncidentTests.eventually("c1's store-down incident", timeout: .seconds(240)) {
                earlyIncident = try await Self.items(base + "/api/v1/incidents?cluster=\(early)").first { $0["root_entity"] as? String == "store:2" }?["id"] as? Int
                return earlyIncident != nil
            }

            // SIGKILL the victim, and at once break a store in its other cluster: nobody watches it until
            // the victim's lease runs out and a survivor takes it.
            let killedAt = ContinuousClock.now
            try #require(replicas[victim]).signal(SIGKILL)
            #expect(try await OperatorBinary.run(["simulate", "fault", "store-down", "store:3", "--port", "\(simulators[index(moved)].control)"]).status == 0)
            var survivors = bases
            survivors[victim] = nil
            try await DemoAndIncidentTests.eventually("the survivors watch all six, three each", timeout: .seconds(240)) {
                try await Self.spread(survivors, perReplica: 3)
            }
            let failover = ContinuousClock.now - killedAt
            print("replica failover: \(victim)'s clusters \(victimClusters) moved in \(failover) (lease \(Self.leaseSeconds) s; two lease periods = \(2 * Self.leaseSeconds) s, as polled)")

            // The fault injected during the move: one ticket, one incident, seen by the new watcher.
            let after = try await Self.watching(survivors)
            let newWatcher = try #require(after.first { $0.value.contains(moved) }?.key)
            let newBase = try #require(survivors[newWatcher])
            try await DemoAndIncidentTests.eventually("\(moved)'s store-down ticket", timeout: .seconds(240)) {
                try await Self.items(base + "/api/v1/tickets?cluster=\(moved)").contains { $0["entity"] as? String == "store:3" && $0["invariant"] as? String == "store-down" }
            }
            // Several more ticks of the new watchers, so a duplicate would have had its chance.
            for (replica, clusters) in after {
                let replicaBase = try #require(survivors[replica])
                try await DemoAndIncidentTests.eventually("\(replica) ticks its clusters again", timeout: .seconds(240)) {
                    let list = try await Serve.get(replicaBase + "/api/v1/clusters").body as? [[String: Any]] ?? []
                    return clusters.allSatisfy { name in list.contains { $0["name"] as? String == name && ($0["ticks"] as? Int ?? 0) >= 6 } }
                }
            }
            let movedTickets = try await Self.items(newBase + "/api/v1/tickets?cluster=\(moved)&limit=200")
                .filter { $0["entity"] as? String == "store:3" && $0["invariant"] as? String == "store-down" }
            #expect(movedTickets.count == 1, "\(movedTickets)")
            let movedIncidents = try await Self.items(newBase + "/api/v1/incidents?cluster=\(moved)&limit=200")
                .filter { $0["root_entity"] as? String == "store:3" }
            #expect(movedIncidents.count == 1, "\(movedIncidents)")

            // History continues: c1's incident is the same one, not a second for the same fault.
            let earlyIncidents = try await Self.items(newBase + "/api/v1/incidents?cluster=\(early)&limit=200")
                .filter { $0["root_entity"] as? String == "store:2" }
            #expect(earlyIncidents.map { $0["id"] as? Int } == [earlyIncident], "\(earlyIncidents)")
            let earlyTickets = try await Self.items(newBase + "/api/v1/tickets?cluster=\(early)&limit=200")
                .filter { $0["entity"] as? String == "store:2" && $0["invariant"] as? String == "store-down" }
            #expect(earlyTickets.count == 1, "\(earlyTickets)")

            // The outbox: every queued event reached the receiver (whoever held the outbox lease, through the
            // kill); receivers may see one twice (at-least-once), counted and reported.
            var rows: [[String: Any]] = []
            try await DemoAndIncidentTests.eventually("every outbox row sent", timeout: .seconds(240)) {
                let listed = try await OperatorBinary.run(["notifications", "list", "--config", config, "--db", database, "--receiver", "ha-test", "--json"])
                rows = listed.json as? [[String: Any]] ?? []
                return rows.count >= 2 && rows.allSatisfy { $0["status"] as? String == "sent" }
            }
            let queued = Set(rows.compactMap { $0["idempotency_key"] as? String })
            let received = receiver.received.compactMap { $0.header("Idempotency-Key") }
            #expect(queued.subtracting(received).isEmpty, "queued but never received: \(queued.subtracting(received).sorted())")
            // Who delivered: each replica logs the leases it takes. A duplicate is expected only when the killed
            // replica held the outbox (a POST it sent before the kill, not yet marked sent).
            let outboxHolders = replicas.keys.sorted().filter { name in
                (replicas[name]?.stderrSoFar ?? "").split(separator: "\n").contains { $0.contains("lease taken") && $0.contains("outbox") }
            }
            print("replica failover outbox: \(queued.count) events queued, \(received.count) deliveries, \(received.count - Set(received).count) duplicates; outbox held by \(outboxHolders) (killed: \(victim))")

            // A clean stop gives the leases up at once: the last survivor takes everything without waiting
            // for expiry (the round after the release, well inside one lease).
            let stopping = try #require(survivors.keys.sorted().first)
            let stayer = try #require(survivors.keys.sorted().last)
            let stopper = try #require(replicas[stopping])
            stopper.signal(SIGTERM)
            let result = try await stopper.wait(timeout: .seconds(10))
            #expect(result.status == 0, "exit \(result.status): \(result.stderr.suffix(500))")
            #expect(result.stderr.contains("lease released"), "\(result.stderr.suffix(1500))")
            var last = survivors
            last[stopping] = nil
            try await DemoAndIncidentTests.eventually("\(stayer) watches all six", timeout: .seconds(240)) {
                try await Self.spread(last, perReplica: 6)
            }
        }
    
        @Test("a bad --replica-name or --lease-duration exits 2 naming the flag, the value and what is allowed")
        func badReplicaSettings() async throws {
            let name = try await OperatorBinary.run(
                ["serve", "--subject", "tikv", "--endpoints", "http://127.0.0.1:1", "--listen", "127.0.0.1:0", "--replica-name", "two words",
                 "--db", "/nonexistent-dir/never-created.db"])
            #expect(name.status == 2)
            #expect(name.stderr.contains("--replica-name two words") && name.stderr.contains("letters, digits"), "\(name.stderr)")
            let duration = try await OperatorBinary.run(
                ["serve", "--subject", "tikv", "--endpoints", "http://127.0.0.1:1", "--listen", "127.0.0.1:0", "--lease-duration", "200ms",
                 "--db", "/nonexistent-dir/never-created.db"])
            #expect(duration.status == 2)
            #expect(duration.stderr.contains("--lease-duration") && duration.stderr.contains("200ms"), "\(duration.stderr)")
        }
    }
}
