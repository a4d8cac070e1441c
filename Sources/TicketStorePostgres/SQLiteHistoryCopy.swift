import Foundation
import GRDB
import OperatorCore
import PostgresNIO

/// `operator db copy`: moves a single-machine SQLite history into PostgreSQL, row for row, keeping ids and
/// timestamps, in one transaction; then counts every table on both sides.
public struct SQLiteHistoryCopy: Sendable {
    /// Rows per table on each side after the copy.
    public struct TableCount: Sendable, Codable, Equatable {
        public var table: String
        public var source: Int
        public var target: Int
        public var matches: Bool { source == target }
    }

    public enum CopyError: Error, CustomStringConvertible {
        case targetNotEmpty(server: String, tables: [String])
        case sourceMissing(String)

        public var description: String {
            switch self {
            case .targetNotEmpty(let server, let tables):
                "ticket database postgres \(server) already holds rows (in \(tables.joined(separator: ", "))); copy into an empty database, or pass --force to replace them"
            case .sourceMissing(let path):
                "no ticket database at \(path); name an existing SQLite file with --from"
            }
        }
    }

    public let sourcePath: String
    public let target: PostgresTicketStore

    public init(sourcePath: String, target: PostgresTicketStore) {
        self.sourcePath = sourcePath
        self.target = target
    }

    /// Copies every table `PostgresSchema.copyOrder` names that the source has. `force` empties the target's
    /// tables first; without it a target holding any row is refused before anything is written.
    public func run(force: Bool) async throws -> [TableCount] {
        guard FileManager.default.fileExists(atPath: sourcePath) else { throw CopyError.sourceMissing(sourcePath) }
        // Opening migrates an older file to this binary's schema (and refuses a newer one).
        _ = try SQLiteTicketStore(path: sourcePath)
        var configuration = Configuration()
        configuration.readonly = true
        configuration.label = "operator.db-copy"
        let source = try DatabaseQueue(path: sourcePath, configuration: configuration)
        let sourceTables = try await source.read { db in
            try PostgresSchema.copyOrder.filter { try db.tableExists($0) }
        }
        let tables = sourceTables
        let server = target.location.server
        let snapshot = try await source.read { db in try Self.readAll(tables, db: db) }

        try await target.transaction { session in
            var nonEmpty: [String] = []
            for table in PostgresSchema.copyOrder where try await session.value(
                PostgresQuery(unsafeSQL: "SELECT EXISTS (SELECT 1 FROM \(table))"), as: Bool.self) == true
            {
                nonEmpty.append(table)
            }
            if !nonEmpty.isEmpty {
                guard force else { throw CopyError.targetNotEmpty(server: server, tables: nonEmpty) }
                try await session.execute(
                    PostgresQuery(unsafeSQL: "TRUNCATE \(PostgresSchema.copyOrder.joined(separator: ", ")) RESTART IDENTITY CASCADE"))
            }
            for table in tables {
                guard let dump = snapshot[table] else { continue }
                let types = try await Self.columnTypes(table, session: session)
                let columns = dump.columns.filter { types[$0] != nil }
                for row in dump.rows {
                    var binds = PostgresBindings()
                    for column in columns {
                        // A self-reference may point at a later row: set after every row is in.
                        if table == "incident" && column == "merged_into" {
                            binds.appendNull()
                            continue
                        }
                        try Self.bind(row[column] ?? .null, as: types[column] ?? "text", table: table, column: column, into: &binds)
                    }
                    let placeholders = (1...columns.count).map { "$\($0)" }.joined(separator: ", ")
                    try await session.execute(
                        PostgresQuery(
                            unsafeSQL: "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(placeholders))", binds: binds))
                }
                if table == "incident" {
                    for row in dump.rows {
                        guard case .int64(let into) = row["merged_into"]?.storage ?? .null, case .int64(let id) = row["id"]?.storage ?? .null
                        else { continue }
                        try await session.execute("UPDATE incident SET merged_into = \(into) WHERE id = \(id)")
                    }
                }
                if PostgresSchema.identityTables.contains(table) {
                    // Later inserts continue after the copied ids.
                    try await session.execute(
                        PostgresQuery(
                            unsafeSQL: "SELECT setval(pg_get_serial_sequence('\(table)', 'id'), COALESCE((SELECT MAX(id) FROM \(table)), 0) + 1, false)"))
                }
            }
        }

        var counts: [TableCount] = []
        for table in tables {
            let sourceCount = snapshot[table]?.rows.count ?? 0
            let targetCount = try await target.read { session in
                try await session.value(PostgresQuery(unsafeSQL: "SELECT COUNT(*) FROM \(table)"), as: Int.self) ?? 0
            }
            counts.append(TableCount(table: table, source: sourceCount, target: targetCount))
        }
        return counts
    }

    struct TableDump: Sendable {
        var columns: [String]
        var rows: [[String: DatabaseValue]]
    }

    static func readAll(_ tables: [String], db: Database) throws -> [String: TableDump] {
        var out: [String: TableDump] = [:]
        for table in tables {
            let columns = try db.columns(in: table).map(\.name)
            var rows: [[String: DatabaseValue]] = []
            for row in try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY rowid") {
                var values: [String: DatabaseValue] = [:]
                for column in columns { values[column] = row[column] as DatabaseValue }
                rows.append(values)
            }
            out[table] = TableDump(columns: columns, rows: rows)
        }
        return out
    }

    static func columnTypes(_ table: String, session: PostgresSession) async throws -> [String: String] {
        var types: [String: String] = [:]
        for row in try await session.rows(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = \(table)")
        {
            types[try row.get("column_name", as: String.self)] = try row.get("data_type", as: String.self)
        }
        return types
    }

    /// A SQLite value as the PostgreSQL column's type; a value that does not fit names the table and column.
    static func bind(_ value: DatabaseValue, as type: String, table: String, column: String, into binds: inout PostgresBindings) throws {
        if value.isNull {
            binds.appendNull()
            return
        }
        switch type {
        case "bigint", "integer":
            guard let number = Int64.fromDatabaseValue(value) else { throw unreadable(value, table, column) }
            binds.append(number)
        case "timestamp with time zone":
            guard let date = Date.fromDatabaseValue(value) else { throw unreadable(value, table, column) }
            binds.append(StoredTime(date))
        case "boolean":
            guard let flag = Bool.fromDatabaseValue(value) else { throw unreadable(value, table, column) }
            binds.append(flag)
        default:
            guard let text = String.fromDatabaseValue(value) else { throw unreadable(value, table, column) }
            binds.append(text)
        }
    }

    static func unreadable(_ value: DatabaseValue, _ table: String, _ column: String) -> PostgresStoreError {
        .unexpected("SQLite \(table).\(column) holds \(value), which does not fit the PostgreSQL column; the copy was rolled back")
    }
}
