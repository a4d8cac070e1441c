import ArgumentParser
import Foundation
import OperatorConfiguration
import OperatorCore
import TicketStorePostgres

/// The ticket store the CLI works on, whichever engine holds it.
typealias CLITicketStore = any TicketStore & AlertStore & LeaseStore

/// `--db`: the ticket database: a SQLite file (`operator.db`, `sqlite:operator.db`) or a PostgreSQL database
/// (`postgres://user@host:5432/db?sslmode=require`, its password from `--db-password-file`,
/// `db_password_file:` in operator.yaml or PGPASSWORD).
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .customLong("db"),
        help: ArgumentHelp(
            "Ticket database: a SQLite file (path or sqlite:path) or postgres://user@host:5432/db?sslmode=disable|prefer|require|verify-full (default: $OPERATOR_DB, else `db` in operator.yaml, else ./operator.db).",
            valueName: "path-or-url"))
    var path: String?

    @Option(
        name: .customLong("db-password-file"),
        help: ArgumentHelp(
            "File holding the PostgreSQL password (default: `db_password_file` in operator.yaml, else PGPASSWORD).", valueName: "path"))
    var passwordFile: String?

    func resolvedPath(config: OperatorConfigFile) throws -> String {
        if let path { return path }
        if let env = ProcessInfo.processInfo.environment["OPERATOR_DB"], !env.isEmpty { return env }
        return try config.string("db") ?? "operator.db"
    }

    /// Opens (creating and migrating if needed) the database. A SQLite file that cannot be opened throws
    /// `SQLiteTicketStore.OpenError`; an unusable PostgreSQL URL or server `PostgresLocationError` or
    /// `PostgresStoreError`: each exits 2.
    func open(config: OperatorConfigFile) async throws -> CLITicketStore {
        try await Self.open(try resolvedPath(config: config), passwordFile: try passwordFile ?? config.string("db_password_file"))
    }

    /// Opens an existing database for reading; a missing SQLite file is an error, not an empty list.
    func openExisting(config: OperatorConfigFile) async throws -> CLITicketStore {
        let location = try resolvedPath(config: config)
        if case .sqlite(let path) = DatabaseLocation(location), !FileManager.default.fileExists(atPath: path) {
            throw CLIFailure(
                "no ticket database at \(path); run `operator monitor` first, or point --db / OPERATOR_DB at an existing file",
                exitCode: 2)
        }
        return try await open(config: config)
    }

    static func open(_ text: String, passwordFile: String?) async throws -> CLITicketStore {
        switch DatabaseLocation(text) {
        case .sqlite(let path):
            return try SQLiteTicketStore(path: path)
        case .postgres(let url):
            return try await PostgresTicketStore.open(try PostgresLocation(url: url, passwordFile: passwordFile))
        }
    }
}

/// `--db`'s value: a PostgreSQL URL, or a SQLite file given as a path or `sqlite:path`.
enum DatabaseLocation: Equatable {
    case sqlite(String)
    case postgres(String)

    init(_ text: String) {
        if PostgresLocation.isPostgresURL(text) {
            self = .postgres(text)
        } else if text.hasPrefix("sqlite://") {
            self = .sqlite(String(text.dropFirst("sqlite://".count)))
        } else if text.hasPrefix("sqlite:") {
            self = .sqlite(String(text.dropFirst("sqlite:".count)))
        } else {
            self = .sqlite(text)
        }
    }

    /// For messages: the path, or the URL with any password masked.
    var shown: String {
        switch self {
        case .sqlite(let path): path
        case .postgres(let url): PostgresLocation.redact(url)
        }
    }
}
