import Foundation
import OperatorCore
import OperatorTestSupport
import TicketStorePostgres
import Testing

/// The parts of the ticket-store contract not covered by the suites that already take a `StoreKind`
/// (ticks, grouping, flapping, outbox, alert intake, incident actions): the data version, leases, and
/// two handles writing the same keys at once.
@Suite("Ticket store contract")
struct StoreContractTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    /// Stores that implement `LeaseStore`: both.
    static let leaseStores: [StoreKind] = [.sqlite, .postgres]

    func tick(_ store: any TicketStore, _ second: Double, _ violations: [Violation], cluster: String = "default") async throws
        -> TickOutcome
    {
        try await store.record(
            TickFindings(
                subject: "fake", at: t0.addingTimeInterval(second), violations: violations, evaluated: ["node-down"], cluster: cluster),
            policy: TicketPolicy(resolveAfterAbsentTicks: 1))
    }

    @Test(arguments: StoreKind.allCases) func theDataVersionMovesWithEveryCommitAndOnlyThen(_ kind: StoreKind) async throws {
        let contract = try await ContractStore(kind)
        defer { contract.cleanup() }
        let store = contract.store
        let first = try #require(try await store.dataVersion())
        _ = try await store.tickets(.all)
        _ = try await store.incidents(.all)
        #expect(try await store.dataVersion() == first, "reading changes nothing")
        _ = try await tick(store, 0, [.fake("node-down", "node:n1")])
        let afterTick = try #require(try await store.dataVersion())
        #expect(afterTick != first)
        // A commit through another handle (another replica) moves it too.
        let other = try await contract.reopen()
        try await other.recordHeartbeat(Heartbeat(subject: "fake", tick: 1, startedAt: t0, durationMs: 1, violations: 0, openTickets: 0, error: nil))
        #expect(try await store.dataVersion() != afterTick)
    }

    @Test(arguments: StoreKind.allCases) func twoHandlesRecordingTheSameViolationsAtOnceMakeOneTicketPerKey(_ kind: StoreKind) async throws {
        let contract = try await ContractStore(kind)
        defer { contract.cleanup() }
        let a = contract.store
        let b = try await contract.reopen()
        let violations = (1...6).map { Violation.fake("node-down", Entity(kind: "node", id: "n\($0)")) }
        // Rounds of both writing the same tick at once: each round races the same keys.
        for round in 0..<8 {
            let second = Double(round)
            async let first = tick(a, second, violations)
            async let second_ = tick(b, second + 0.5, violations.reversed())
            _ = try await (first, second_)
        }
        let tickets = try await a.tickets(.all)
        #expect(tickets.count == violations.count)
        #expect(Set(tickets.map(\.entity)).count == violations.count)
        #expect(tickets.allSatisfy { $0.occurrences == 16 }, "every write counted once: \(tickets.map(\.occurrences))")
        #expect(try await a.incidents(.all).count == violations.count, "one incident per unexplained violation")
    }

    @Test(arguments: StoreKind.allCases) func twoRunnersClaimingAtOnceNeverShareAnIncident(_ kind: StoreKind) async throws {
        let contract = try await ContractStore(kind)
        defer { contract.cleanup() }
        let a = contract.store
        let b = try await contract.reopen()
        _ = try await tick(a, 0, (1...6).map { Violation.fake("node-down", Entity(kind: "node", id: "n\($0)")) })
        async let first = a.claimIncidentsForDiagnosis(ids: nil, cluster: nil, limit: 4, lease: .seconds(60), now: t0)
        async let second = b.claimIncidentsForDiagnosis(ids: nil, cluster: nil, limit: 4, lease: .seconds(60), now: t0)
        let (claimedA, claimedB) = try await (first, second)
        #expect(Set(claimedA.map(\.id)).isDisjoint(with: claimedB.map(\.id)), "\(claimedA.map(\.id)) and \(claimedB.map(\.id))")
        #expect(claimedA.count + claimedB.count == 6, "every incident claimed once, none left over")
    }

    @Test(arguments: StoreKind.allCases) func clustersAreSeparateDedupKeys(_ kind: StoreKind) async throws {
        let contract = try await ContractStore(kind)
        defer { contract.cleanup() }
        let store = contract.store
        _ = try await tick(store, 0, [.fake("node-down", "node:n1")], cluster: "east")
        _ = try await tick(store, 0, [.fake("node-down", "node:n1")], cluster: "west")
        _ = try await tick(store, 5, [.fake("node-down", "node:n1")], cluster: "east")
        let east = try await store.tickets(TicketFilter(cluster: "east"))
        let west = try await store.tickets(TicketFilter(cluster: "west"))
        #expect(east.map(\.occurrences) == [2])
        #expect(west.map(\.occurrences) == [1])
        #expect(try await store.incidentCount(IncidentFilter(cluster: "east")) == 1)
        #expect(try await store.incidentCount(IncidentFilter(statuses: [.open])) == 2)
    }

    // MARK: - Leases

    @Test(arguments: leaseStores) func aLeaseIsTakenRenewedRefusedExpiredHandedOverAndReleased(_ kind: StoreKind) async throws {
        let contract = try await ContractStore(kind)
        defer { contract.cleanup() }
        let leases = try #require(contract.leases)
        let name = LeaseName.cluster("east")

        let taken = try await leases.acquireLease(name, holder: "r1", duration: .seconds(10), now: t0)
        #expect(taken.holder == "r1" && taken.generation == 1 && taken.acquiredAt == t0)
        #expect(taken.expiresAt == t0.addingTimeInterval(10))

        let renewed = try await leases.acquireLease(name, holder: "r1", duration: .seconds(10), now: t0.addingTimeInterval(5))
        #expect(renewed.holder == "r1" && renewed.generation == 1, "a renewal keeps the generation")
        #expect(renewed.acquiredAt == t0, "a renewal keeps when it was taken")
        #expect(renewed.expiresAt == t0.addingTimeInterval(15))

        let refused = try await leases.acquireLease(name, holder: "r2", duration: .seconds(10), now: t0.addingTimeInterval(14))
        #expect(refused.holder == "r1", "a live lease stays with its holder")
        #expect(refused.isHeld(by: "r1", at: t0.addingTimeInterval(14)))

        let handedOver = try await leases.acquireLease(name, holder: "r2", duration: .seconds(10), now: t0.addingTimeInterval(16))
        #expect(handedOver.holder == "r2" && handedOver.generation == 2, "an expired lease changes hands with generation + 1")
        #expect(handedOver.acquiredAt == t0.addingTimeInterval(16))

        try await leases.releaseLease(name, holder: "r1")  // not r1's any more: nothing happens
        #expect(try await leases.leases().first?.isHeld(by: "r2", at: t0.addingTimeInterval(17)) == true)
        try await leases.releaseLease(name, holder: "r2")
        let afterRelease = try #require(try await leases.leases().first)
        #expect(!afterRelease.isLive(at: t0.addingTimeInterval(17)), "released: free at once")
        let retaken = try await leases.acquireLease(name, holder: "r1", duration: .seconds(10), now: t0.addingTimeInterval(17))
        #expect(retaken.holder == "r1" && retaken.generation == 3)

        // Its holder taking it back after it ran out unrenewed (the store was unreachable), nobody else having
        // taken it meanwhile: a renewal, not a hand-over, so the holder's running work carries on.
        let late = try await leases.acquireLease(name, holder: "r1", duration: .seconds(10), now: t0.addingTimeInterval(40))
        #expect(late.holder == "r1" && late.generation == 3, "the same holder after expiry keeps the generation")
        #expect(late.acquiredAt == t0.addingTimeInterval(17), "and when it was taken")
        #expect(late.expiresAt == t0.addingTimeInterval(50))
    }

    @Test(arguments: leaseStores) func replicasRacingForOneFreeLeaseNeverBothGetIt(_ kind: StoreKind) async throws {
        let contract = try await ContractStore(kind)
        defer { contract.cleanup() }
        let leases = try #require(contract.leases)
        let other = try #require(try await contract.reopen() as? any LeaseStore)
        for round in 0..<10 {
            let name = "race-\(round)"
            let now = t0.addingTimeInterval(Double(round))
            async let a = leases.acquireLease(name, holder: "a", duration: .seconds(30), now: now)
            async let b = other.acquireLease(name, holder: "b", duration: .seconds(30), now: now)
            let (leaseA, leaseB) = try await (a, b)
            #expect(leaseA.holder == leaseB.holder, "both see the one holder")
            #expect(leaseA.generation == 1 && leaseB.generation == 1)
        }
        #expect(try await leases.leases().count == 10)
    }
}

/// PostgreSQL settings and failures: the URL, the password kept out of what is shown, errors naming the server.
@Suite("PostgreSQL store connection")
struct PostgresConnectionTests {
    @Test func theURLIsReadAndThePasswordNeverShown() throws {
        let plain = try PostgresLocation(url: "postgres://operator@db.example:6543/tickets?sslmode=require", environment: [:])
        #expect(plain.host == "db.example" && plain.port == 6543 && plain.user == "operator" && plain.database == "tickets")
        #expect(plain.sslMode == .require && plain.password == nil)

        let withPassword = try PostgresLocation(url: "postgresql://operator:s3cret@db:5432/tickets", environment: ["PGPASSWORD": "other"])
        #expect(withPassword.password == "s3cret" && withPassword.sslMode == .prefer)
        #expect(!withPassword.description.contains("s3cret"))
        #expect(PostgresLocation.redact("postgres://operator:s3cret@db:5432/tickets") == "postgres://operator:***@db:5432/tickets")

        let fromEnvironment = try PostgresLocation(url: "postgres://operator@db/tickets", environment: ["PGPASSWORD": "env-pass"])
        #expect(fromEnvironment.password == "env-pass" && fromEnvironment.port == 5432)

        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try "file-pass\n".write(toFile: directory.file("pw"), atomically: true, encoding: .utf8)
        let fromFile = try PostgresLocation(url: "postgres://operator@db/tickets", passwordFile: directory.file("pw"), environment: ["PGPASSWORD": "env-pass"])
        #expect(fromFile.password == "file-pass", "the password file wins over PGPASSWORD")
    }

    @Test(arguments: [
        ("postgres://operator:s3cret@db/tickets?sslmode=sometimes", "sslmode"),
        ("postgres://operator:s3cret@db/", "no database name"),
        ("postgres://db/tickets", "no user"),
        ("postgres://operator:s3cret@db/tickets?search_path=x", "unknown parameter"),
    ])
    func badURLsAreRefusedNamingTheProblemWithoutThePassword(_ url: String, _ problem: String) {
        #expect {
            _ = try PostgresLocation(url: url, environment: [:])
        } throws: { error in
            let text = "\(error)"
            return text.contains(problem) && !text.contains("s3cret") && text.contains("postgres://")
        }
    }

    @Test func aWrongPasswordAMissingDatabaseAndADownServerAreEachNamed() async throws {
        let server = try await TestPostgres.shared()
        let database = try await server.createDatabase()
        let wrongPassword = try PostgresLocation(url: server.url(database: database), environment: ["PGPASSWORD": "not-the-password"])
        await #expect {
            _ = try await PostgresTicketStore.open(wrongPassword)
        } throws: { error in
            let text = "\(error)"
            return text.contains("127.0.0.1:\(server.port)/\(database)") && text.contains("login refused") && !text.contains("not-the-password")
        }

        let missing = try PostgresLocation(url: server.url(database: "no_such_db"), environment: ["PGPASSWORD": server.password])
        await #expect {
            _ = try await PostgresTicketStore.open(missing)
        } throws: { error in "\(error)".contains("database no_such_db does not exist") && "\(error)".contains("CREATE DATABASE") }

        let down = try PostgresLocation(url: "postgres://postgres@127.0.0.1:\(try closedLocalPort())/x?sslmode=disable", environment: [:])
        await #expect {
            _ = try await PostgresTicketStore.open(down)
        } throws: { error in "\(error)".contains("check that PostgreSQL is running") }
    }

    @Test func migratingTwiceAndFromTwoReplicasAtOnceIsSafe() async throws {
        let server = try await TestPostgres.shared()
        let database = try await server.createDatabase()
        let location = try PostgresLocation(url: server.url(database: database), environment: ["PGPASSWORD": server.password])
        async let a = PostgresTicketStore.open(location, maximumConnections: 2)
        async let b = PostgresTicketStore.open(location, maximumConnections: 2)
        let (first, second) = try await (a, b)
        #expect(try await first.migrate() == "v2-leases")
        #expect(try await second.schemaVersion() == "v2-leases")
        let applied = try await server.psql("SELECT id FROM schema_migrations ORDER BY id", database: database)
        #expect(applied.split(separator: "\n") == ["v1-tickets", "v2-leases"])
        await first.close()
        await second.close()
    }
}
