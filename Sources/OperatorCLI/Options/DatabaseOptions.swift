import ArgumentParser
import Foundation
import OperatorConfiguration
import OperatorCore

/// `--db`: the ticket database.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .customLong("db"),
        help: ArgumentHelp(
            "Ticket database file (default: $OPERATOR_DB, else `db` in operator.yaml, else ./operator.db).",
            valueName: "path"))
    var path: String?

    func resolvedPath(config: OperatorConfigFile) throws -> String {
        if let path { return path }
        if let env = ProcessInfo.processInfo.environment["OPERATOR_DB"], !env.isEmpty { return env }
        return try config.string("db") ?? "operator.db"
    }

    /// Opens (creating and migrating if needed) the database. A file that cannot be opened (not SQLite,
    /// written by a newer operator) throws `SQLiteTicketStore.OpenError`, which exits 2.
    func open(config: OperatorConfigFile) throws -> SQLiteTicketStore {
        try SQLiteTicketStore(path: try resolvedPath(config: config))
    }

    /// Opens an existing database for reading; a missing file is an error, not an empty list.
    func openExisting(config: OperatorConfigFile) throws -> SQLiteTicketStore {
        let path = try resolvedPath(config: config)
        guard FileManager.default.fileExists(atPath: path) else {
            throw CLIFailure(
                "no ticket database at \(path); run `operator monitor` first, or point --db / OPERATOR_DB at an existing file",
                exitCode: 2)
        }
        return try SQLiteTicketStore(path: path)
    }
}
