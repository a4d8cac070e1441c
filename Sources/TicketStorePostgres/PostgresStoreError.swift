import Foundation
import OperatorCore
import PostgresNIO

/// Why the PostgreSQL store could not do what was asked: names the server (`host:port/database`, never a
/// password) and what to do about it.
public enum PostgresStoreError: Error, CustomStringConvertible {
    /// No connection: the server is down, unreachable, refused the login or has no such database.
    case unavailable(server: String, reason: String, fix: String)
    /// The server answered with an error.
    case server(server: String, sqlState: String, message: String)
    /// The database holds migrations this operator does not know (a newer operator migrated it).
    case newerSchema(server: String, unknown: [String], latest: String)
    /// The store did not answer within its operation deadline.
    case timedOut(server: String, after: Duration)
    case unexpected(String)

    public var description: String {
        switch self {
        case .unavailable(let server, let reason, let fix):
            "ticket database postgres \(server): \(reason); \(fix)"
        case .server(let server, let state, let message):
            "ticket database postgres \(server): \(message) (SQLSTATE \(state))"
        case .newerSchema(let server, let unknown, let latest):
            "ticket database postgres \(server): its schema is newer than this operator's: it has migrations \(unknown.joined(separator: ", ")), this operator knows up to \(latest); upgrade operator"
        case .timedOut(let server, let after):
            "ticket database postgres \(server): no answer within \(after.components.seconds) s; check that the server is running and reachable"
        case .unexpected(let message):
            "ticket database postgres: \(message)"
        }
    }

    /// Serialization failures and deadlocks: the transaction is run again.
    static func isRetryable(_ error: any Error) -> Bool {
        guard let state = sqlState(error) else { return false }
        // 40001 serialization_failure, 40P01 deadlock_detected, 23505 unique_violation (a racing insert of
        // the same key: on retry, the row is there and is updated instead).
        return state == "40001" || state == "40P01" || state == "23505"
    }

    static func sqlState(_ error: any Error) -> String? {
        if let error = error as? PSQLError { return error.serverInfo?[.sqlState] }
        if let error = error as? PostgresTransactionError { return error.closureError.flatMap(sqlState) }
        return nil
    }

    /// An error from postgres-nio, said in terms of this server and what to do. The generic "Database error"
    /// postgres-nio prints (it hides details on purpose) is replaced by the server's message, which holds no
    /// password.
    static func describe(_ error: any Error, location: PostgresLocation) -> any Error {
        if error is PostgresStoreError || error is CancellationError || error is NotFoundError { return error }
        let server = location.server
        if let psql = error as? PSQLError {
            if let info = psql.serverInfo, let state = info[.sqlState] {
                let message = info[.message] ?? "error"
                switch state {
                case "28P01", "28000":
                    return PostgresStoreError.unavailable(
                        server: server, reason: "login refused for user \(location.user): \(message)",
                        fix: "check the user and its password (PGPASSWORD or db_password_file) and pg_hba.conf")
                case "3D000":
                    return PostgresStoreError.unavailable(
                        server: server, reason: "database \(location.database) does not exist",
                        fix: "create it (CREATE DATABASE \(location.database) OWNER \(location.user)) or name another in the URL")
                case "57P01", "57P02", "57P03":
                    return PostgresStoreError.unavailable(
                        server: server, reason: "the server is shutting down or starting: \(message)", fix: "the write is retried once it is back")
                default:
                    return PostgresStoreError.server(server: server, sqlState: state, message: message)
                }
            }
            switch psql.code {
            case .authMechanismRequiresPassword:
                return PostgresStoreError.unavailable(
                    server: server, reason: "the server asks for a password and none was given",
                    fix: "set PGPASSWORD or db_password_file (--db-password-file)")
            case .sslUnsupported:
                return PostgresStoreError.unavailable(
                    server: server, reason: "the server does not offer TLS", fix: "use sslmode=prefer or sslmode=disable, or enable ssl on the server")
            default:
                let underlying = psql.underlying.map { " (\(String(describing: $0)))" } ?? ""
                return PostgresStoreError.unavailable(
                    server: server, reason: "no connection: \(psql.code)\(underlying)",
                    fix: "check that PostgreSQL is running and listening on \(location.host):\(location.port)")
            }
        }
        if let transaction = error as? PostgresTransactionError {
            if let inner = transaction.closureError ?? transaction.beginError ?? transaction.commitError {
                return describe(inner, location: location)
            }
        }
        if String(describing: type(of: error)).contains("ConnectionPoolError") {
            return PostgresStoreError.unavailable(
                server: server, reason: "no connection could be made (\(error))",
                fix: "check that PostgreSQL is running and listening on \(location.host):\(location.port)")
        }
        return error
    }
}

