import ArgumentParser
import Foundation
import OperatorCore
import TicketStorePostgres

/// `operator db copy`: a single-machine history (SQLite) into the shared store (PostgreSQL), verified.
struct DatabaseCopyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy a SQLite ticket history into PostgreSQL, keeping ids and timestamps; verify row counts.",
        discussion: """
            Copies tickets, incidents, timelines, diagnoses with their contexts, heartbeats, the outbox, registered \
            receivers and alert fingerprints in one transaction. The target must be empty unless --force, which \
            replaces what it holds. Prints each table's rows on both sides; exits 1 when a count differs.
            """)

    @Option(help: ArgumentHelp("The SQLite history (path or sqlite:path).", valueName: "sqlite:path")) var from: String
    @Option(help: ArgumentHelp("The PostgreSQL database (postgres://user@host:5432/db?sslmode=…).", valueName: "url")) var to: String
    @Option(
        name: .customLong("db-password-file"),
        help: ArgumentHelp("File holding the PostgreSQL password (default: PGPASSWORD).", valueName: "path"))
    var passwordFile: String?
    @Flag(help: "Replace what the target already holds.") var force = false
    @Flag(help: "Print JSON.") var json = false

    struct Report: Encodable {
        var from: String
        var to: String
        var tables: [SQLiteHistoryCopy.TableCount]
        var verified: Bool
    }

    func run() async throws {
        guard case .sqlite(let path) = DatabaseLocation(from) else {
            throw CLIFailure("--from \(DatabaseLocation(from).shown): copy reads a SQLite file; write it as sqlite:path", exitCode: 2)
        }
        guard case .postgres(let url) = DatabaseLocation(to) else {
            throw CLIFailure("--to \(DatabaseLocation(to).shown): copy writes to PostgreSQL; write it as postgres://user@host:5432/db", exitCode: 2)
        }
        // One transaction carries the whole history: no per-operation limit worth the name.
        let target = try await PostgresTicketStore.open(
            try PostgresLocation(url: url, passwordFile: passwordFile), operationLimit: .seconds(24 * 3600))
        defer { Task { [target] in await target.close() } }
        let counts: [SQLiteHistoryCopy.TableCount]
        do {
            counts = try await SQLiteHistoryCopy(sourcePath: path, target: target).run(force: force)
        } catch let error as SQLiteHistoryCopy.CopyError {
            throw CLIFailure(error.description, exitCode: 2)
        }
        let verified = counts.allSatisfy(\.matches)
        if json {
            try Output.json(Report(from: path, to: target.displayLocation, tables: counts, verified: verified))
        } else {
            Output.line("copied \(path) into \(target.displayLocation)")
            for count in counts {
                let mark = count.matches ? "ok" : "MISMATCH"
                Output.line("  \(count.table.padding(toLength: 16, withPad: " ", startingAt: 0)) \(count.source) -> \(count.target)  \(mark)")
            }
        }
        guard verified else {
            throw CLIFailure(
                "row counts differ for \(counts.filter { !$0.matches }.map(\.table).joined(separator: ", ")); the target is not a faithful copy")
        }
    }
}
