import Foundation
import Logging
import NIOSSL
import OperatorCore
import PostgresNIO

/// The ticket store on PostgreSQL, shared by several replicas (`--db postgres://…`).
///
/// Same semantics as `SQLiteTicketStore`. Writes run in READ COMMITTED transactions; every transaction that
/// changes a cluster's tickets or incidents first takes `pg_advisory_xact_lock` on that cluster, so two
/// replicas recording the same cluster queue behind each other instead of interleaving their read-then-write
/// steps; the unique index on the dedup key (cluster, subject, invariant, entity) stays as the backstop: a
/// racing insert fails (23505) and the whole transaction runs again, finding the row. Serialization failures
/// and deadlocks (40001, 40P01) are retried the same way.
///
/// The connection pool (`PostgresClient`) runs in a task this store owns; `close()` ends it.
public final class PostgresTicketStore: TicketStore, AlertStore, LeaseStore, Sendable {
    public let location: PostgresLocation
    /// The URL without its password.
    public var displayLocation: String { location.description }
    let client: PostgresClient
    let logger: Logger
    /// Heartbeat rows kept per cluster and subject, as in SQLite.
    let heartbeatRetention: Int
    /// How long an operation waits for a connection before failing (the server is down or unreachable).
    let connectionWait: Duration
    /// How long an operation may run once it has a connection before its caller gets an error.
    let operationLimit: Duration
    /// While the server is unreachable, operations fail at once and a background probe waits for it.
    let reachability: ServerReachability
    private let runner: Task<Void, Never>

    /// Connects (checking the server, the login and the database first, so a bad setting fails with a clear
    /// error instead of a pool waiting), then migrates. Errors are `PostgresStoreError`.
    /// `operationLimit` bounds each operation once it has a connection (a server that stops answering mid-query);
    /// `db copy` raises it, since one transaction carries the whole history.
    public static func open(
        _ location: PostgresLocation, heartbeatRetention: Int = 10_000, maximumConnections: Int = 8,
        connectionWait: Duration = .seconds(5), operationLimit: Duration = .seconds(60),
        logger: Logger = Logger(label: "operator.tickets.postgres")
    ) async throws -> PostgresTicketStore {
        try await probe(location, logger: logger)
        let store = try PostgresTicketStore(
            location: location, heartbeatRetention: heartbeatRetention, maximumConnections: maximumConnections,
            connectionWait: connectionWait, operationLimit: operationLimit, logger: logger)
        do {
            _ = try await store.migrate()
        } catch {
            await store.close()
            throw error
        }
        return store
    }

    init(
        location: PostgresLocation, heartbeatRetention: Int, maximumConnections: Int, connectionWait: Duration,
        operationLimit: Duration = .seconds(60), logger: Logger
    ) throws {
        self.location = location
        self.connectionWait = connectionWait
        self.operationLimit = operationLimit
        self.logger = logger
        self.heartbeatRetention = max(1, heartbeatRetention)
        var configuration = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database, tls: try Self.tls(location.sslMode))
        configuration.options.maximumConnections = max(2, maximumConnections)
        configuration.options.connectTimeout = .seconds(10)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        // The probe opens a connection of its own rather than waiting in the pool: nothing of it is left
        // in the pool's queue when the store closes, and a refused connection says so at once.
        reachability = ServerReachability { [location, logger] in
            (try? await Self.probe(location, logger: logger)) != nil
        }
        runner = Task { await client.run() }
    }

    deinit { runner.cancel() }

    /// Ends the connection pool. The store is unusable afterwards.
    public func close() async {
        reachability.close()
        runner.cancel()
        await runner.value
    }

    /// Applies missing migrations (safe with other replicas migrating at once); returns the schema version.
    @discardableResult
    public func migrate() async throws -> String {
        let server = location.server
        return try await transaction(bumpsVersion: false) { session in try await PostgresSchema.migrate(session, server: server) }
    }

    /// The newest migration applied, or nil on an empty database.
    public func schemaVersion() async throws -> String? {
        try await read { session in
            guard try await session.value("SELECT to_regclass('schema_migrations')::text", as: String.self) != nil else { return nil }
            let applied = Set(try await session.values("SELECT id FROM schema_migrations", as: String.self))
            return PostgresSchema.migrations.last(where: { applied.contains($0.id) })?.id
        }
    }

    static func tls(_ mode: PostgresLocation.SSLMode) throws -> PostgresClient.Configuration.TLS {
        switch mode {
        case .disable: return .disable
        case .prefer, .require:
            // libpq's prefer and require encrypt without checking the certificate.
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.certificateVerification = .none
            return mode == .prefer ? .prefer(tls) : .require(tls)
        case .verifyFull:
            return .require(TLSConfiguration.makeClientConfiguration())
        }
    }

    /// One direct connection, so a down server, a refused login or a missing database is said at once.
    static func probe(_ location: PostgresLocation, logger: Logger) async throws {
        let configuration = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database, tls: try connectionTLS(location.sslMode))
        do {
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
            try await connection.close()
        } catch {
            throw PostgresStoreError.describe(error, location: location)
        }
    }

    private static func connectionTLS(_ mode: PostgresLocation.SSLMode) throws -> PostgresConnection.Configuration.TLS {
        switch mode {
        case .disable: return .disable
        case .prefer, .require:
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.certificateVerification = .none
            let context = try NIOSSLContext(configuration: tls)
            return mode == .prefer ? .prefer(context) : .require(context)
        case .verifyFull:
            return .require(try NIOSSLContext(configuration: TLSConfiguration.makeClientConfiguration()))
        }
    }

    // MARK: - Transactions

    /// Runs `body` in one READ COMMITTED transaction, bumping the data version last (unless told not to),
    /// and runs it again on a serialization failure, a deadlock, a racing insert of a unique key or a
    /// connection lost before the commit (the server rolled it back).
    func transaction<T: Sendable>(
        bumpsVersion: Bool = true, _ body: @escaping @Sendable (PostgresSession) async throws -> T
    ) async throws -> T {
        let logger = logger
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await leased { connection in
                    let session = PostgresSession(connection: connection, logger: logger)
                    try await session.execute("BEGIN ISOLATION LEVEL READ COMMITTED")
                    do {
                        let value = try await body(session)
                        if bumpsVersion { try await session.execute("UPDATE data_version SET version = version + 1") }
                        try await session.execute("COMMIT")
                        return value
                    } catch {
                        // A broken connection cannot roll back: the server does when it notices.
                        try? await session.execute("ROLLBACK")
                        throw error
                    }
                }
            } catch {
                if attempt < 6 && PostgresStoreError.isRetryable(error) || attempt < 2 && Self.isConnectionLost(error) {
                    logger.debug("retrying a transaction", metadata: ["attempt": "\(attempt)", "error": "\(String(reflecting: error))"])
                    try await Task.sleep(for: .milliseconds(Int64(attempt) * 20 + Int64.random(in: 0...20)))
                    continue
                }
                throw PostgresStoreError.describe(error, location: location)
            }
        }
    }

    /// Reads in one REPEATABLE READ READ ONLY transaction: several queries see one snapshot.
    func read<T: Sendable>(_ body: @escaping @Sendable (PostgresSession) async throws -> T) async throws -> T {
        let logger = logger
        do {
            return try await leased { connection in
                let session = PostgresSession(connection: connection, logger: logger)
                try await session.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                do {
                    let value = try await body(session)
                    try await session.execute("COMMIT")
                    return value
                } catch {
                    try? await session.execute("ROLLBACK")
                    throw error
                }
            }
        } catch {
            throw PostgresStoreError.describe(error, location: location)
        }
    }

    /// A connection for `body`, or `unavailable` once `connectionWait` passed without one.
    private func leased<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let server = location.server
        let hostPort = "\(location.host):\(location.port)"
        let reachability = reachability
        let wait = connectionWait
        let workLimit = operationLimit
        if let down = reachability.failFast() { throw down }
        do {
            let value = try await withLeasedConnection(
                client, limit: wait,
                onTimeout: {
                    PostgresStoreError.unavailable(
                        server: server, reason: "no connection within \(DurationText.format(wait))",
                        fix: "check that PostgreSQL is running and listening on \(hostPort)")
                },
                workLimit: workLimit,
                onWorkTimeout: {
                    PostgresStoreError.unavailable(
                        server: server, reason: "no answer within \(DurationText.format(workLimit)) on a leased connection",
                        fix: "check that PostgreSQL at \(hostPort) is running and not stuck")
                }
            ) { connection in
                reachability.reached()
                return try await body(connection)
            }
            return value
        } catch let error as PostgresStoreError {
            if case .unavailable = error { reachability.unreachable(error) }
            throw error
        }
    }

    static func isConnectionLost(_ error: any Error) -> Bool {
        guard let psql = error as? PSQLError else { return false }
        if psql.code == .serverClosedConnection || psql.code == .connectionError || psql.code == .uncleanShutdown { return true }
        // 57P01 admin_shutdown: the server is going down under this connection.
        return psql.serverInfo?[.sqlState] == "57P01"
    }

    // MARK: - Ticks

    public func record(_ findings: TickFindings, policy: TicketPolicy) async throws -> TickOutcome {
        try await transaction { session in
            try await session.lockCluster(findings.cluster)
            var recorder = PostgresTickRecorder(session: session, findings: findings, policy: policy)
            return try await recorder.run()
        }
    }

    public func recordHeartbeat(_ heartbeat: Heartbeat) async throws {
        let retention = heartbeatRetention
        try await transaction { session in try await Self.insertHeartbeat(heartbeat, retention: retention, session: session) }
    }

    /// Findings and heartbeat in one transaction.
    public func recordTick(_ findings: TickFindings, heartbeat: Heartbeat, policy: TicketPolicy) async throws -> TickOutcome {
        let retention = heartbeatRetention
        return try await transaction { session in
            try await session.lockCluster(findings.cluster)
            var recorder = PostgresTickRecorder(session: session, findings: findings, policy: policy)
            var outcome = try await recorder.run()
            let open = try await session.value(
                """
                SELECT COUNT(*) FROM ticket WHERE cluster = \(findings.cluster) AND subject = \(findings.subject)
                    AND status IN ('created', 'diagnosed')
                """, as: Int.self) ?? 0
            outcome.openTickets = open
            var beat = heartbeat
            beat.openTickets = open
            try await Self.insertHeartbeat(beat, retention: retention, session: session)
            return outcome
        }
    }

    static func insertHeartbeat(_ heartbeat: Heartbeat, retention: Int, session: PostgresSession) async throws {
        _ = try await session.insert(
            """
            INSERT INTO heartbeat (cluster, subject, tick, started_at, duration_ms, violations, open_tickets, error)
            VALUES (\(heartbeat.cluster), \(heartbeat.subject), \(heartbeat.tick), \(heartbeat.startedAt), \(heartbeat.durationMs),
                \(heartbeat.violations), \(heartbeat.openTickets), \(heartbeat.error)) RETURNING id
            """)
        // Ids increase, so the rows to drop are those at or below the first one past the kept window.
        do {
            try await session.execute(
                """
                DELETE FROM heartbeat WHERE cluster = \(heartbeat.cluster) AND subject = \(heartbeat.subject) AND id <= (
                    SELECT id FROM heartbeat WHERE cluster = \(heartbeat.cluster) AND subject = \(heartbeat.subject)
                    ORDER BY id DESC OFFSET \(retention) LIMIT 1)
                """)
        }
    }

    public func heartbeats(cluster: String?, subject: String?, limit: Int) async throws -> [Heartbeat] {
        try await read { session in
            try await session.rows(
                """
                SELECT * FROM heartbeat WHERE (\(cluster)::text IS NULL OR cluster = \(cluster))
                    AND (\(subject)::text IS NULL OR subject = \(subject)) ORDER BY id DESC LIMIT \(max(0, limit))
                """
            ).map(PostgresRows.heartbeat)
        }
    }

    public func dataVersion() async throws -> Int64? {
        try await read { session in try await session.value("SELECT version FROM data_version", as: Int64.self) }
    }
}

extension PostgresSession {
    /// Serializes the writers of one cluster's tickets and incidents until this transaction ends.
    func lockCluster(_ cluster: String) async throws {
        try await execute("SELECT pg_advisory_xact_lock(hashtextextended(\("tickets:" + cluster), 0))")
    }

    /// The incident's cluster, locked; nil when there is no such incident.
    func lockCluster(ofIncident id: Int64) async throws -> String? {
        guard let cluster = try await value("SELECT cluster FROM incident WHERE id = \(id)", as: String.self) else { return nil }
        try await lockCluster(cluster)
        return cluster
    }
}
