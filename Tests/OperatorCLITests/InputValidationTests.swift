import Foundation
import GRDB
import OperatorCore
import OperatorTestSupport
import Testing

extension EndToEnd {
    @Suite("Bad settings and foreign databases are usage errors (exit 2) naming the input")
    struct InputValidationTests {
        @Test("Out-of-range durations, counts and ports from flags, environment and operator.yaml exit 2 naming setting and value")
        func outOfRangeSettings() async throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let dead = "http://127.0.0.1:\(try closedLocalPort())"
            let db = dir.file("operator.db")
            let monitor = ["monitor", "--subject", "etcd", "--endpoints", dead, "--db", db]
            let cases: [(arguments: [String], environment: [String: String], words: [String])] = [
                (monitor + ["--interval", "2562048h"], [:], ["--interval", "2562048h", "100ms…24h"]),
                (monitor + ["--interval", "0s"], [:], ["--interval", "0s"]),
                (monitor + ["--tick-timeout", "999999999999h"], [:], ["--tick-timeout", "999999999999h"]),
                (monitor + ["--resolve-after", "0"], [:], ["--resolve-after", "0", "1…10000"]),
                (monitor + ["--metrics-port", "99999"], [:], ["--metrics-port", "99999", "1…65535"]),
                (["check", "--subject", "etcd", "--endpoints", dead, "--request-timeout", "999999999999h"], [:], ["--request-timeout", "999999999999h"]),
                (["check", "--subject", "etcd", "--endpoints", dead, "--request-timeout", "0s"], [:], ["--request-timeout", "0s"]),
                (["check", "--subject", "etcd", "--endpoints", "http://127.0.0.1:99999"], [:], ["--endpoints", "127.0.0.1:99999", "1…65535"]),
                (["check", "--subject", "etcd"], ["ETCDCTL_ENDPOINTS": "http://127.0.0.1:99999"], ["ETCDCTL_ENDPOINTS", "127.0.0.1:99999"]),
                (["check", "--subject", "etcd", "--endpoints", dead], ["PROMETHEUS_URL": "http://prom:70000"], ["PROMETHEUS_URL", "prom:70000"]),
                (["demo", "--interval", "999999999999h"], [:], ["--interval", "999999999999h"]),
                (["simulate", "fault", "store-down", "store:2", "--port", "99999"], [:], ["--port", "99999", "1…65535"]),
                (["simulate", "--pd", "0", "--port", "0"], [:], ["pd members must be 1…15, got 0"]),
                (["diagnose", "--concurrency", "1000", "--db", db], [:], ["--concurrency", "1000", "1…64"]),
            ]
            for c in cases {
                let r = try await OperatorBinary.run(c.arguments, environment: c.environment, directory: dir.path)
                #expect(r.status == 2, "\(c.arguments) \(c.environment): exit \(r.status); \(r.stderr.suffix(300))")
                for word in c.words { #expect(r.stderr.contains(word), "\(c.arguments): \(r.stderr.suffix(300))") }
                #expect(!r.stderr.contains("Fatal error"))
            }
            #expect(!FileManager.default.fileExists(atPath: db), "a refused monitor created its database")

            try "subject: etcd\nendpoints: [\(dead)]\nresolve_after: -3\n".write(toFile: dir.file("operator.yaml"), atomically: true, encoding: .utf8)
            let file = try await OperatorBinary.run(["monitor", "--db", db], directory: dir.path)
            #expect(file.status == 2)
            #expect(file.stderr.contains("\"resolve_after\" in config file operator.yaml: -3 is out of range"), "\(file.stderr)")
        }

        @Test("An alias bomb as operator.yaml or as an eval scenario exits 2 with a clear error")
        func aliasBombs() async throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            var lines = [#"a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]"#]
            for (name, previous) in zip("bcdefghi", "abcdefgh") {
                lines.append("\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ",") + "]")
            }
            let bomb = lines.joined(separator: "\n") + "\nsubject: tikv\nsubjects:\n  tikv: *i\n"
            try bomb.write(toFile: dir.file("operator.yaml"), atomically: true, encoding: .utf8)
            try bomb.write(toFile: dir.file("scenario.yaml"), atomically: true, encoding: .utf8)
            // Hang guards only (the old code grew to gigabytes here).
            let check = try await OperatorBinary.run(["check"], directory: dir.path, timeout: .seconds(60))
            #expect(check.status == 2)
            #expect(check.stderr.contains("config file operator.yaml expands to more than"), "\(check.stderr)")
            let eval = try await OperatorBinary.run(["eval", dir.file("scenario.yaml")], timeout: .seconds(60))
            #expect(eval.status == 2)
            #expect(eval.stderr.contains("scenario \(dir.file("scenario.yaml")) expands to more than"), "\(eval.stderr)")
        }

        @Test("A file that is not SQLite, or a missing one, exits 2 with a clear error, for readers and the monitor alike")
        func notADatabase() async throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let path = dir.file("notes.txt")
            let content = Data(String(repeating: "not a database at all\n", count: 300).utf8)
            try content.write(to: URL(fileURLWithPath: path))
            let list = try await OperatorBinary.run(["tickets", "list", "--db", path])
            #expect(list.status == 2, "\(list.stderr)")
            #expect(list.stderr.contains("cannot open ticket database \(path)"), "\(list.stderr)")
            let monitor = try await OperatorBinary.run(
                ["monitor", "--subject", "etcd", "--endpoints", "http://127.0.0.1:\(try closedLocalPort())", "--db", path])
            #expect(monitor.status == 2, "\(monitor.stderr)")
            #expect(FileManager.default.contents(atPath: path) == content)
        }

        @Test("A database from a newer operator is refused naming both schema versions, and nothing is written")
        func newerDatabase() async throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let path = dir.file("operator.db")
            do { _ = try SQLiteTicketStore(path: path) }
            let queue = try DatabaseQueue(path: path)
            try await queue.write { db in try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v42-tomorrow')") }
            try queue.close()
            let before = FileManager.default.contents(atPath: path)
            for arguments in [["tickets", "list", "--db", path],
                              ["monitor", "--subject", "etcd", "--endpoints", "http://127.0.0.1:\(try closedLocalPort())", "--db", path]] {
                let r = try await OperatorBinary.run(arguments)
                #expect(r.status == 2, "\(arguments): \(r.stderr)")
                #expect(r.stderr.contains("v42-tomorrow") && r.stderr.contains("this operator knows up to v"), "\(r.stderr)")
            }
            #expect(FileManager.default.contents(atPath: path) == before, "the database file changed")
            #expect((FileManager.default.contents(atPath: path + "-wal") ?? Data()).isEmpty, "something was written to the WAL")
        }
    }
}
