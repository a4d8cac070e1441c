import Foundation
import OperatorCore
import PostgresNIO

/// Leases: one statement each, so two replicas asking at once are ordered by the row lock, never both granted.
extension PostgresTicketStore {
    /// `INSERT … ON CONFLICT DO UPDATE … WHERE` (expired or same holder) `RETURNING`: the update happens only
    /// when the lease may be taken; when it may not, nothing is returned and the live lease is read back.
    /// A renewal keeps `acquired_at` and `generation`, also when the holder renews after its lease ran out
    /// (nobody else took it meanwhile, or the holder would differ); a hand-over sets `acquired_at` to now and
    /// adds one.
    public func acquireLease(_ name: String, holder: String, duration: Duration, now: Date) async throws -> Lease {
        let expires = now.addingTimeInterval(duration.seconds)
        return try await transaction { session in
            if let taken = try await session.row(
                """
                INSERT INTO lease (name, holder, acquired_at, expires_at, generation)
                VALUES (\(name), \(holder), \(now), \(expires), 1)
                ON CONFLICT (name) DO UPDATE SET
                    holder = EXCLUDED.holder,
                    acquired_at = CASE WHEN lease.holder = EXCLUDED.holder
                        THEN lease.acquired_at ELSE EXCLUDED.acquired_at END,
                    expires_at = EXCLUDED.expires_at,
                    generation = CASE WHEN lease.holder = EXCLUDED.holder
                        THEN lease.generation ELSE lease.generation + 1 END
                WHERE lease.holder = EXCLUDED.holder OR lease.expires_at <= \(now)
                RETURNING *
                """)
            {
                return try PostgresRows.lease(taken)
            }
            guard let held = try await session.row("SELECT * FROM lease WHERE name = \(name)") else {
                throw PostgresStoreError.unexpected("lease \(name) was neither taken nor found")
            }
            return try PostgresRows.lease(held)
        }
    }

    public func releaseLease(_ name: String, holder: String) async throws {
        // Expired at once (the epoch is before any caller's now), not deleted: the generation keeps counting
        // across holders.
        try await transaction { session in
            try await session.execute("UPDATE lease SET expires_at = to_timestamp(0) WHERE name = \(name) AND holder = \(holder)")
        }
    }

    public func leases() async throws -> [Lease] {
        try await read { session in try await session.rows("SELECT * FROM lease ORDER BY name").map(PostgresRows.lease) }
    }
}
