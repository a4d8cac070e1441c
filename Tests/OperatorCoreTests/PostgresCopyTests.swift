import Foundation
import OperatorCore
import OperatorTestSupport
import TicketStorePostgres
import Testing

/// `operator db copy`'s work: the committed SQLite fixture (an old operator's history, upgraded on the way)
/// copied into PostgreSQL, counted, and read back through both stores.
@Suite("SQLite history copied into PostgreSQL")
struct PostgresCopyTests {
    static let fixture = PackagePaths.root.appendingPathComponent("Tests/OperatorCoreTests/Fixtures/v3-flapping.db").path

    func target() async throws -> (PostgresTicketStore, TestPostgres, String) {
        let server = try await TestPostgres.shared()
        let database = try await server.createDatabase()
        let location = try PostgresLocation(url: server.url(database: database), environment: ["PGPASSWORD": server.password])
        return (try await PostgresTicketStore.open(location, maximumConnections: 2, connectionWait: ContractStore.connectionWait), server, database)
    }

    @Test func theFixtureArrivesWholeWithItsIdsTimelinesAndDiagnoses() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let source = directory.file("history.db")
        try FileManager.default.copyItem(atPath: Self.fixture, toPath: source)
        let (target, server, database) = try await target()

        let counts = try await SQLiteHistoryCopy(sourcePath: source, target: target).run(force: false)
        let byTable = Dictionary(uniqueKeysWithValues: counts.map { ($0.table, $0) })
        // The fixture's README: 4 tickets, 3 incidents, 3 diagnoses, 16 timeline events, 35 heartbeats.
        #expect(byTable["ticket"]?.source == 4 && byTable["ticket"]?.target == 4)
        #expect(byTable["incident"]?.source == 3 && byTable["incident"]?.target == 3)
        #expect(byTable["diagnosis"]?.source == 3 && byTable["diagnosis"]?.target == 3)
        #expect(byTable["event"]?.source == 16 && byTable["event"]?.target == 16)
        #expect(byTable["heartbeat"]?.source == 35 && byTable["heartbeat"]?.target == 35)
        #expect(counts.allSatisfy { $0.matches })

        // Equal field for field, times to the millisecond SQLite keeps (GRDB's reading of a stored time can sit a
        // floating-point step away from the same time read back from PostgreSQL).
        let sqlite = try SQLiteTicketStore(path: source)
        #expect(try Self.same(try await target.tickets(.all), try await sqlite.tickets(.all)), "tickets equal, ids and times kept")
        #expect(
            try Self.same(
                try await target.incidents(IncidentFilter(includeMerged: true)), try await sqlite.incidents(IncidentFilter(includeMerged: true))))
        for ticket in try await sqlite.tickets(.all) {
            #expect(try Self.same(try await target.timeline(ticketID: ticket.id), try await sqlite.timeline(ticketID: ticket.id)))
        }
        let diagnosed = try #require(try await sqlite.incidents(.all).first { $0.diagnosis != nil })
        #expect(
            try Self.same(try await target.diagnosisContext(incidentID: diagnosed.id), try await sqlite.diagnosisContext(incidentID: diagnosed.id)))
        #expect(try await target.incident(id: diagnosed.id)?.diagnosis == diagnosed.diagnosis)
        #expect(
            try Self.same(
                try await target.heartbeats(cluster: nil, subject: nil, limit: 100), try await sqlite.heartbeats(cluster: nil, subject: nil, limit: 100)))

        // New rows continue after the copied ids.
        let maxTicket = try await server.psql("SELECT MAX(id) FROM ticket", database: database)
        let outcome = try await target.record(
            TickFindings(subject: "tikv", at: Date(), violations: [.fake("node-down", "node:new")], evaluated: []), policy: TicketPolicy())
        #expect(outcome.opened.first.map { $0.id > Int64(maxTicket) ?? .max } == true)
        await target.close()
    }

    /// Equal once encoded with every time rounded to the millisecond.
    static func same<T: Encodable>(_ a: T, _ b: T) throws -> Bool {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode((date.timeIntervalSince1970 * 1000).rounded())
        }
        return try encoder.encode(a) == encoder.encode(b)
    }

    @Test func aTargetThatHoldsRowsIsRefusedUnlessForced() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let source = directory.file("history.db")
        try FileManager.default.copyItem(atPath: Self.fixture, toPath: source)
        let (target, _, _) = try await target()
        _ = try await target.record(
            TickFindings(subject: "tikv", at: Date(), violations: [.fake("node-down", "node:x")], evaluated: []), policy: TicketPolicy())

        await #expect {
            _ = try await SQLiteHistoryCopy(sourcePath: source, target: target).run(force: false)
        } throws: { error in "\(error)".contains("already holds rows") && "\(error)".contains("--force") }
        #expect(try await target.tickets(.all).map(\.entity) == ["node:x"], "nothing written by the refused copy")

        let forced = try await SQLiteHistoryCopy(sourcePath: source, target: target).run(force: true)
        #expect(forced.allSatisfy { $0.matches })
        #expect(try await target.tickets(.all).count == 4, "replaced by the history")
        await target.close()
    }
}
