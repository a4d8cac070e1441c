import Foundation

/// Where the shared ticket store lives: `postgres://user@host:5432/db?sslmode=disable|prefer|require`
/// (also `postgresql://`). The password never comes from what is shown: a URL that carries one is accepted,
/// but `description` (used in every log line and error) masks it. The password comes, in this order, from the
/// URL, the password file (`db_password_file` in operator.yaml, `--db-password-file`) or `PGPASSWORD`.
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    public enum SSLMode: String, Sendable, CaseIterable {
        /// Plain TCP (a loopback or a private network).
        case disable
        /// TLS when the server offers it, plain otherwise (PostgreSQL's default).
        case prefer
        /// TLS or no connection; like libpq's `require`, the server's certificate is not checked.
        case require
        /// TLS with the server's certificate checked against the system's trusted roots and the host name.
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var user: String
    public var database: String
    public var sslMode: SSLMode
    /// Never printed; see `description`.
    public var password: String?

    public init(host: String, port: Int = 5432, user: String, database: String, sslMode: SSLMode = .prefer, password: String? = nil) {
        self.host = host
        self.port = port
        self.user = user
        self.database = database
        self.sslMode = sslMode
        self.password = password
    }

    /// Whether `text` names a PostgreSQL database rather than a SQLite file.
    public static func isPostgresURL(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://")
    }

    /// Parses the URL. `environment` supplies `PGPASSWORD`; `passwordFile` a file whose first line is the
    /// password (read here; a missing or unreadable file is an error naming it).
    public init(url text: String, passwordFile: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(PostgresLocationError)
    {
        let shown = Self.redact(text)
        guard Self.isPostgresURL(text), let components = URLComponents(string: text) else {
            throw PostgresLocationError(
                input: shown, reason: "not a PostgreSQL URL",
                fix: "write it as postgres://user@host:5432/database?sslmode=require")
        }
        guard let host = components.host, !host.isEmpty else {
            throw PostgresLocationError(input: shown, reason: "no host", fix: "write it as postgres://user@host:5432/database")
        }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else {
            throw PostgresLocationError(input: shown, reason: "port \(port) is out of range", fix: "use a port between 1 and 65535")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else {
            throw PostgresLocationError(
                input: shown, reason: "no database name", fix: "name the database after the host: postgres://user@host:5432/operator")
        }
        guard let user = components.user, !user.isEmpty else {
            throw PostgresLocationError(input: shown, reason: "no user", fix: "name the user before the host: postgres://operator@host:5432/\(database)")
        }
        var sslMode = SSLMode.prefer
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let value = item.value, let mode = SSLMode(rawValue: value) else {
                    throw PostgresLocationError(
                        input: shown, reason: "sslmode \"\(item.value ?? "")\" is not supported",
                        fix: "use sslmode=\(SSLMode.allCases.map(\.rawValue).joined(separator: "|"))")
                }
                sslMode = mode
            default:
                throw PostgresLocationError(
                    input: shown, reason: "unknown parameter \"\(item.name)\"", fix: "only sslmode is understood; remove the others")
            }
        }
        var password = components.password
        if password == nil, let passwordFile {
            do {
                let contents = try String(contentsOfFile: passwordFile, encoding: .utf8)
                password = String(contents.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
            } catch {
                throw PostgresLocationError(
                    input: shown, reason: "cannot read the password file \(passwordFile)",
                    fix: "check that the file exists and is readable (db_password_file in operator.yaml)")
            }
        }
        if password == nil, let fromEnvironment = environment["PGPASSWORD"], !fromEnvironment.isEmpty { password = fromEnvironment }
        self.init(
            host: host, port: port, user: user.removingPercentEncoding ?? user, database: database.removingPercentEncoding ?? database,
            sslMode: sslMode, password: password)
    }

    /// `postgres://user@host:port/database?sslmode=…`: never the password.
    public var description: String { "postgres://\(user)@\(hostAndPort)/\(database)?sslmode=\(sslMode.rawValue)" }

    /// `host:port/database`, for error messages.
    public var server: String { "\(hostAndPort)/\(database)" }

    private var hostAndPort: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// The URL as given, its password (if any) masked.
    public static func redact(_ text: String) -> String {
        guard let scheme = text.range(of: "://") else { return text }
        let rest = text[scheme.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return text }
        let userinfo = rest[..<at]
        guard let colon = userinfo.firstIndex(of: ":") else { return text }
        return String(text[..<scheme.upperBound]) + userinfo[..<colon] + ":***" + rest[at...]
    }
}

/// A `postgres://` setting that cannot be used: names the input (password masked) and the fix.
public struct PostgresLocationError: Error, CustomStringConvertible, Equatable {
    public let input: String
    public let reason: String
    public let fix: String
    public var description: String { "database URL \(input): \(reason); \(fix)" }
}
