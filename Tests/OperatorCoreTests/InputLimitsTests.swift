import Foundation
import GRDB
import OperatorCore
import Testing

@Suite("Inputs that used to trap or leak: durations, URL userinfo, foreign databases")
struct InputLimitsTests {
    @Test("Durations beyond what a Duration holds are a parse error, never a trap")
    func hugeDurationsAreErrors() throws {
        for text in ["2562048h", "999999999999h", "9223372037s", "1" + String(repeating: "0", count: 400) + "s", "-999999999999h"] {
            do {
                _ = try DurationText.duration(text)
                Issue.record("accepted \(text)")
            } catch {
                #expect(error.outOfRange, "\(text)")
                #expect(error.description.contains("too long"))
            }
        }
        #expect(try DurationText.duration("2562047h") == .seconds(2_562_047 * 3600))
        #expect(DurationText.format(seconds: .infinity) == "infs")
        #expect(DurationText.format(seconds: 1e300).hasSuffix("s"))
        #expect(DurationText.format(seconds: 90) == "1m30s")
    }

    @Test("The redactor removes userinfo from any URL in free text")
    func redactorScrubsUserinfo() {
        let redactor = Redactor()
        let text = "GET http://admin:hunter2@pd0:2379/pd/api/v1/stores failed; see https://bob@example.com/x, and (etcd://u:p@h)"
        let out = redactor.redact(text)
        #expect(!out.contains("hunter2") && !out.contains("admin") && !out.contains("bob@") && !out.contains("u:p@"), "\(out)")
        #expect(out.contains("http://[REDACTED]@pd0:2379/pd/api/v1/stores"))
        #expect(out.contains("https://[REDACTED]@example.com/x"))
        #expect(redactor.redact("mail me at ops@example.com about http://pd0:2379") == "mail me at ops@example.com about http://pd0:2379")
    }

    /// The database file and its WAL's content (an empty or absent WAL holds nothing).
    static func bytes(_ path: String) -> [Data] {
        [FileManager.default.contents(atPath: path) ?? Data(), FileManager.default.contents(atPath: path + "-wal") ?? Data()]
    }

    @Test("A database written by a newer operator is refused, naming both versions, and left unwritten")
    func newerSchemaIsRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("operator-schema-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("operator.db").path
        do { _ = try SQLiteTicketStore(path: path) }
        // What a newer binary leaves behind: a migration this one never registered.
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-from-the-future')") }
        try queue.close()
        let before = Self.bytes(path)

        do {
            _ = try SQLiteTicketStore(path: path)
            Issue.record("a newer database was opened")
        } catch let error as SQLiteTicketStore.OpenError {
            #expect(error.description.contains("v99-from-the-future"), "\(error)")
            #expect(error.description.contains("this operator knows up to v"), "\(error)")
            #expect(error.description.contains("newer operator"), "\(error)")
        }
        #expect(Self.bytes(path) == before, "the refused database was written to")
    }

    @Test("A file that is not SQLite is refused with a clear error and left as it was")
    func notADatabase() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("operator-notdb-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("notes.txt").path
        let content = Data(String(repeating: "shopping list: eggs, milk, bread\n", count: 200).utf8)
        try content.write(to: URL(fileURLWithPath: path))
        do {
            _ = try SQLiteTicketStore(path: path)
            Issue.record("a text file was opened as a database")
        } catch let error as SQLiteTicketStore.OpenError {
            #expect(error.description.contains(path))
            #expect(error.description.contains("not a database"), "\(error)")
        }
        #expect(FileManager.default.contents(atPath: path) == content)
    }
}
