import Foundation
import GRDB

/// Leases on the shared SQLite file: several `operator serve` processes on one machine agree on who watches
/// what through the `lease` table, the same way replicas on a shared server database do.
extension SQLiteTicketStore: LeaseStore {
    /// One statement takes or renews the lease: SQLite runs an upsert atomically under its write lock, so two
    /// processes asking for the same free lease at once never both get it (no read-then-write race). The
    /// conflict branch updates only a lease that has expired or is already the asker's; the holder changes
    /// (and the generation grows) only when it was someone else's.
    public func acquireLease(_ name: String, holder: String, duration: Duration, now: Date) async throws -> Lease {
        let until = now.addingTimeInterval(duration.seconds)
        return try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO lease (name, holder, acquired_at, expires_at, generation) VALUES (?, ?, ?, ?, 1)
                    ON CONFLICT(name) DO UPDATE SET
                        generation = CASE WHEN lease.holder = excluded.holder THEN lease.generation ELSE lease.generation + 1 END,
                        acquired_at = CASE WHEN lease.holder = excluded.holder THEN lease.acquired_at ELSE excluded.acquired_at END,
                        holder = excluded.holder,
                        expires_at = excluded.expires_at
                    WHERE lease.expires_at <= excluded.acquired_at OR lease.holder = excluded.holder
                    """,
                arguments: [name, holder, now, until])
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM lease WHERE name = ?", arguments: [name]) else {
                throw LeaseRowMissing(name: name)
            }
            return try Self.lease(row)
        }
    }

    /// Expires the lease (keeps the row, so its generation keeps counting) when `holder` holds it.
    public func releaseLease(_ name: String, holder: String) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE lease SET expires_at = ? WHERE name = ? AND holder = ?",
                arguments: [Date(timeIntervalSince1970: 0), name, holder])
        }
    }

    public func leases() async throws -> [Lease] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM lease ORDER BY name").map { try Self.lease($0) }
        }
    }

    /// Decoded with errors, not traps: a row some other program wrote badly fails the call, naming the column.
    private static func lease(_ row: Row) throws -> Lease {
        Lease(
            name: try row.decode(forColumn: "name"), holder: try row.decode(forColumn: "holder"),
            acquiredAt: try row.decode(forColumn: "acquired_at"), expiresAt: try row.decode(forColumn: "expires_at"),
            generation: try row.decode(forColumn: "generation"))
    }
}

/// The row an upsert just wrote could not be read back: the database changed under the statement.
struct LeaseRowMissing: Error, CustomStringConvertible {
    let name: String
    var description: String { "lease \(name) was written but cannot be read back; check the database file" }
}
