import Foundation
import OperatorCore
import OperatorTestSupport
import TicketStorePostgres
import Testing

/// The stores the ticket-store contract runs on: every test taking a `StoreKind` runs once per store.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { rawValue }
}

/// An empty store of one kind: a fresh SQLite file, or a fresh database on the process's PostgreSQL server.
struct ContractStore: Sendable {
    /// How long an operation may wait for a pooled connection: a hang guard, generous for a loaded CI machine.
    static let connectionWait: Duration = .seconds(120)

    let kind: StoreKind
    let store: any TicketStore & AlertStore
    private let directory: TemporaryDatabase?
    private let postgres: PostgresTicketStore?
    /// The PostgreSQL server and database, for `query`.
    private let server: (TestPostgres, String)?

    init(_ kind: StoreKind, heartbeatRetention: Int = 10_000) async throws {
        self.kind = kind
        switch kind {
        case .sqlite:
            let db = try TemporaryDatabase()
            directory = db
            postgres = nil
            server = nil
            store = try SQLiteTicketStore(path: db.path, heartbeatRetention: heartbeatRetention)
        case .postgres:
            let server = try await TestPostgres.shared()
            let database = try await server.createDatabase()
            let location = try PostgresLocation(url: server.url(database: database), environment: ["PGPASSWORD": server.password])
            let opened = try await PostgresTicketStore.open(
                location, heartbeatRetention: heartbeatRetention, maximumConnections: 4, connectionWait: Self.connectionWait)
            directory = nil
            postgres = opened
            self.server = (server, database)
            store = opened
        }
    }

    /// Removes the SQLite file; a PostgreSQL store's pool ends with the store (its database stays on the
    /// throwaway server until the process ends).
    func cleanup() {
        directory?.cleanup()
    }

    /// Runs SQL on the store's database with the engine's own client (sqlite3, psql): an independent read of
    /// what is stored. Returns the rows, one a line, columns separated by `|`.
    func query(_ sql: String) async throws -> String {
        if let (server, database) = server { return try await server.psql(sql, database: database) }
        guard let directory else { throw TestServerError(message: "no database") }
        return try sqlite3(directory.path, sql)
    }

    /// Where the store is, as `--db` takes it: the SQLite path or the `postgres://` URL (no password).
    var location: String {
        if let (server, database) = server { return server.url(database: database) }
        return directory?.path ?? ""
    }

    /// The password a second client needs (PGPASSWORD), for PostgreSQL.
    var password: String? { server?.0.password }

    /// A second, independent handle on the same database (another pool, another SQLite connection).
    func reopen() async throws -> any TicketStore & AlertStore {
        if let (server, database) = server {
            let location = try PostgresLocation(url: server.url(database: database), environment: ["PGPASSWORD": server.password])
            return try await PostgresTicketStore.open(location, maximumConnections: 4, connectionWait: Self.connectionWait)
        }
        guard let directory else { throw TestServerError(message: "no database") }
        return try SQLiteTicketStore(path: directory.path)
    }

    /// The leases side, where the store has one (SQLite's lands with the replica work).
    var leases: (any LeaseStore)? { store as? any LeaseStore }
}
