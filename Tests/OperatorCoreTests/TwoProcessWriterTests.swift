import Foundation
import OperatorCore
import OperatorTestSupport
import TicketStorePostgres
import Testing

/// Two processes recording the same violations into one database must never duplicate a ticket.
///
/// The second process is this test binary itself, re-run with a filter selecting `childWriter` and an
/// environment variable naming the database (a SQLite path or a `postgres://` URL, its password in
/// PGPASSWORD); without that variable `childWriter` does nothing. Runs on both stores.
@Suite("Two processes, one database")
struct TwoProcessWriterTests {
    static let childEnvironment = "OPERATOR_TEST_CHILD_DB"
    static let entities = (1...40).map { Entity(kind: "node", id: "n\($0)") }

    static func writeAll(into database: String, password: String?, seed: Int) async throws {
        let store: any TicketStore =
            PostgresLocation.isPostgresURL(database)
            ? try await PostgresTicketStore.open(
                PostgresLocation(url: database, environment: ["PGPASSWORD": password ?? ""]), maximumConnections: 2, connectionWait: ContractStore.connectionWait)
            : try SQLiteTicketStore(path: database)
        let t0 = Date()
        // Each writer walks the same keys in a different order so their inserts interleave.
        let order = seed % 2 == 0 ? entities : entities.reversed()
        for (i, entity) in order.enumerated() {
            _ = try await store.record(
                TickFindings(subject: "fake", at: t0.addingTimeInterval(Double(i) * 0.001),
                             violations: [.fake("node-down", entity)], evaluated: []),
                policy: TicketPolicy())
        }
    }

    @Test func childWriter() async throws {
        guard let path = ProcessInfo.processInfo.environment[Self.childEnvironment] else { return }
        try await Self.writeAll(into: path, password: ProcessInfo.processInfo.environment["PGPASSWORD"], seed: 1)
    }

    @Test(arguments: StoreKind.allCases) func concurrentWritersInTwoProcessesDoNotDuplicateATicket(_ kind: StoreKind) async throws {
        let contract = try await ContractStore(kind)  // created and migrated before both start
        defer { contract.cleanup() }

        let child = Process()
        child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        child.arguments = ["--testing-library", "swift-testing", "--filter", "childWriter"]
        var env = ProcessInfo.processInfo.environment
        env[Self.childEnvironment] = contract.location
        if let password = contract.password { env["PGPASSWORD"] = password }
        child.environment = env
        child.standardOutput = FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        try child.run()
        defer { if child.isRunning { kill(child.processIdentifier, SIGKILL) } }

        try await Self.writeAll(into: contract.location, password: contract.password, seed: 0)
        // Wait without parking a cooperative thread: the other suites in this process need it.
        while child.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        child.waitUntilExit()
        #expect(child.terminationStatus == 0, "the child writer failed")

        let keys = try await contract.query("SELECT count(*), count(DISTINCT entity), sum(occurrences) FROM ticket;")
        #expect(keys == "\(Self.entities.count)|\(Self.entities.count)|\(Self.entities.count * 2)")
    }
}
