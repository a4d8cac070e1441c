import Foundation
import OperatorCore
import Testing

/// Two processes recording the same violations into one database must never duplicate a ticket.
///
/// The second process is this test binary itself, re-run with a filter selecting `childWriter` and an
/// environment variable naming the database; without that variable `childWriter` does nothing.
@Suite("Two processes, one database")
struct TwoProcessWriterTests {
    static let childEnvironment = "OPERATOR_TEST_CHILD_DB"
    static let entities = (1...40).map { Entity(kind: "node", id: "n\($0)") }

    static func writeAll(into path: String, seed: Int) async throws {
        let store = try SQLiteTicketStore(path: path)
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
        try await Self.writeAll(into: path, seed: 1)
    }

    @Test func concurrentWritersInTwoProcessesDoNotDuplicateATicket() async throws {
        let db = try TemporaryDatabase()
        defer { db.cleanup() }
        _ = try SQLiteTicketStore(path: db.path)  // create and migrate before both start

        let child = Process()
        child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        child.arguments = ["--testing-library", "swift-testing", "--filter", "childWriter"]
        var env = ProcessInfo.processInfo.environment
        env[Self.childEnvironment] = db.path
        child.environment = env
        child.standardOutput = FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        try child.run()
        defer { if child.isRunning { kill(child.processIdentifier, SIGKILL) } }

        try await Self.writeAll(into: db.path, seed: 0)
        // Wait without parking a cooperative thread: the other suites in this process need it.
        while child.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        child.waitUntilExit()
        #expect(child.terminationStatus == 0, "the child writer failed")

        let keys = try sqlite3(db.path, "SELECT count(*), count(DISTINCT entity), sum(occurrences) FROM ticket;")
        #expect(keys == "\(Self.entities.count)|\(Self.entities.count)|\(Self.entities.count * 2)")
    }
}
