import Foundation
import OperatorTestSupport
import Testing

extension EndToEnd {
    /// PostgreSQL stopped and started again under two `operator serve` replicas sharing two simulated TiKV
    /// clusters, for longer than their leases: each keeps watching its cluster, logs the outage, keeps the
    /// ticks it could not write and writes them when the server is back; no cluster changes hands, no tick is
    /// lost or written twice, and a fault that began during the outage is ticketed once, seen when it was.
    @Suite("serve replicas through a PostgreSQL restart")
    struct ReplicaStoreOutageTests {
        typealias Serve = ServeEndToEndTests
        typealias Replicas = ReplicaFailoverTests

        static let leaseSeconds = 2
        static let clusterNames = ["c1", "c2"]

        @Test("PostgreSQL down for three leases under two replicas: both keep watching, nothing lost, nothing moved, the fault seen during the outage ticketed once")
        func replicasRideOutAPostgresRestart() async throws {
            let server = try await TestPostgres.start()
            defer { server.stopAndRemove() }
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let databaseName = try await server.createDatabase()
            let passwordFile = dir.file("db-password")
            try server.password.write(toFile: passwordFile, atomically: true, encoding: .utf8)
            let database = server.url(database: databaseName)

            var simulators: [OperatorBinary.Running] = []
            defer { for simulator in simulators { simulator.stop() } }
            var controls: [String: Int] = [:]
            var entries: [String] = []
            for name in Self.clusterNames {
                let running = try OperatorBinary.start(["simulate", "run", "--port", "0", "--time-scale", "20", "--json"])
                simulators.append(running)
                let endpoints = try await DemoAndIncidentTests.waitForJSON(running)
                controls[name] = try #require(URL(string: endpoints["control_url"] as? String ?? "")?.port)
                let pd = endpoints["pd_urls"] as? [String] ?? []
                entries.append("  - name: \(name)\n    subject: tikv\n    endpoints: [\(pd.joined(separator: ", "))]\n    interval: 500ms")
            }
            let config = dir.file("operator.yaml")
            try "db_password_file: \(passwordFile)\nclusters:\n\(entries.joined(separator: "\n"))\n"
                .write(toFile: config, atomically: true, encoding: .utf8)

            var replicas: [String: OperatorBinary.Running] = [:]
            defer { for replica in replicas.values { replica.stop() } }
            for name in ["r1", "r2"] {
                replicas[name] = try OperatorBinary.start([
                    "serve", "--config", config, "--db", database, "--listen", "127.0.0.1:0",
                    "--replica-name", name, "--lease-duration", "\(Self.leaseSeconds)s",
                ])
            }
            var bases: [String: String] = [:]
            for (name, replica) in replicas { bases[name] = try await Serve.servingURL(replica) }
            var before: [String: Set<String>] = [:]
            try await DemoAndIncidentTests.eventually("one cluster each", timeout: .seconds(240)) {
                before = try await Replicas.watching(bases)
                return before.values.allSatisfy { $0.count == 1 } && Set(before.values.flatMap { $0 }) == Set(Self.clusterNames)
            }
            let faulty = "c1"
            let stderr = { (name: String) in replicas[name]?.stderrSoFar ?? "" }

            // Which lease generation each cluster is at, and the last heartbeat row, before the outage: the
            // start-up spread may have moved a cluster once already.
            let generationsSQL = "SELECT name || '=' || generation FROM lease WHERE name LIKE 'cluster:%' ORDER BY name"
            let generationsBefore = try await server.psql(generationsSQL, database: databaseName)
            let lastRowBefore = Int(try await server.psql("SELECT coalesce(max(id), 0) FROM heartbeat", database: databaseName)) ?? -1
            let stoppedAt = Date()
            try await server.stopServer()
            #expect(try await OperatorBinary.run(["simulate", "fault", "store-down", "store:2", "--port", "\(try #require(controls[faulty]))"]).status == 0)
            // Past expiry on both: each says its monitor runs on without a lease.
            try await DemoAndIncidentTests.eventually("both replicas ride past their leases", timeout: .seconds(240)) {
                replicas.keys.allSatisfy { stderr($0).contains("lease store unreachable") && stderr($0).contains("lease ran out unrenewed") }
            }
            // Still watching: each monitor goes on ticking (every tick's write refused and kept), and each
            // replica's /healthz (no database needed) names its cluster.
            let failedWrites = { (name: String) in stderr(name).components(separatedBy: "recording failed").count - 1 }
            try await DemoAndIncidentTests.eventually("both monitors tick on through the outage", timeout: .seconds(240)) {
                replicas.keys.allSatisfy { failedWrites($0) >= 5 }
            }
            #expect(try await Replicas.watching(bases) == before)
            let restartedAt = Date()
            try await server.startAgain()

            let faultyBase = try #require(bases.values.first)
            try await DemoAndIncidentTests.eventually("\(faulty)'s store-down ticket", timeout: .seconds(240)) {
                try await Replicas.items(faultyBase + "/api/v1/tickets?cluster=\(faulty)").contains {
                    $0["entity"] as? String == "store:2" && $0["invariant"] as? String == "store-down"
                }
            }
            try await DemoAndIncidentTests.eventually("both replicas back on the store", timeout: .seconds(240)) {
                replicas.keys.allSatisfy { stderr($0).contains("lease store reachable again") }
            }
            // A few more lease rounds and ticks: a hand-over or a duplicate would have had its chance.
            try await Task.sleep(for: .seconds(Self.leaseSeconds * 2))
            #expect(try await Replicas.watching(bases) == before, "no cluster changed hands")
            for base in bases.values {
                let table = try await Replicas.watchedBy(base)
                for (replica, clusters) in before { for cluster in clusters { #expect(table[cluster] == replica, "\(table)") } }
            }
            let generations = try await server.psql(generationsSQL, database: databaseName)
            #expect(generations == generationsBefore, "a lease changed hands: \(generationsBefore) → \(generations)")
            if generations != generationsBefore {
                for name in replicas.keys.sorted() { print("---- \(name)\n" + stderr(name).split(separator: "\n").filter { !$0.contains("tick") || $0.contains("not written") }.suffix(60).joined(separator: "\n")) }
            }

            // Every tick written once, none missing: from the last row before the outage on, each cluster's
            // ticks (one process throughout) are consecutive numbers, each once.
            for cluster in Self.clusterNames {
                let counts = try await server.psql(
                    "SELECT count(*) || ' ' || count(DISTINCT tick) || ' ' || (max(tick) - min(tick) + 1) FROM heartbeat WHERE cluster = '\(cluster)' AND id > \(lastRowBefore)",
                    database: databaseName
                ).split(separator: " ").map { Int($0) ?? -1 }
                #expect(counts.count == 3 && counts[0] == counts[1] && counts[1] == counts[2] && counts[0] > 5, "\(cluster): rows, distinct, span = \(counts)")
                let during = try await server.psql(
                    "SELECT count(*) FROM heartbeat WHERE cluster = '\(cluster)' AND started_at > '\(Self.iso(stoppedAt))' AND started_at < '\(Self.iso(restartedAt))'",
                    database: databaseName)
                #expect((Int(during) ?? 0) >= 3, "\(cluster): ticks observed during the outage and written after: \(during)")
            }
            // The fault: one ticket, first seen during the outage (kept in memory, written with its own time).
            let tickets = try await server.psql(
                "SELECT first_seen > '\(Self.iso(stoppedAt))' AND first_seen < '\(Self.iso(restartedAt))' FROM ticket WHERE cluster = '\(faulty)' AND entity = 'store:2' AND invariant = 'store-down'",
                database: databaseName)
            #expect(tickets == "t", "one store-down ticket first seen during the outage: \(tickets)")
            for name in replicas.keys {
                #expect(!stderr(name).contains(server.password), "the database password is never logged")
                #expect(!stderr(name).contains("tick not written"), "\(name) refused a tick of its own: \(stderr(name).suffix(2000))")
            }
            if let dump = ProcessInfo.processInfo.environment["OPERATOR_OUTAGE_TEST_DUMP"] {
                for name in replicas.keys { try? stderr(name).write(toFile: "\(dump)-\(name).log", atomically: true, encoding: .utf8) }
            }
            print("serve through a PostgreSQL restart: outage \(String(format: "%.1f", restartedAt.timeIntervalSince(stoppedAt))) s (lease \(Self.leaseSeconds) s)")
        }

        static func iso(_ date: Date) -> String {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            return formatter.string(from: date)
        }
    }
}
