import GRDB

/// The ticket database's schema, as an ordered list of migrations. Never edit a shipped migration:
/// add one. GRDB records which ran, so an old database upgrades in place.
enum TicketSchema {
    /// The newest migration this binary knows.
    static var latest: String { migrator.migrations.last ?? "none" }

    /// Migrations recorded in `db` that this binary does not know (a newer operator applied them), sorted.
    static func unknownMigrations(_ db: Database) throws -> [String] {
        let known = Set(migrator.migrations)
        return try appliedIdentifiers(db).filter { !known.contains($0) }.sorted()
    }

    /// The migrations recorded in `db`. GRDB's own reader selects first and checks the table's existence only
    /// when that fails, so another process creating the table in between turns "none yet" into an error;
    /// checking first cannot race (a table is never dropped).
    static func appliedIdentifiers(_ db: Database) throws -> Set<String> {
        guard try db.tableExists("grdb_migrations") else { return [] }
        return try String.fetchSet(db, sql: "SELECT identifier FROM grdb_migrations")
    }

    /// Migrates the file, also when other processes migrate it at the same moment (replicas starting together
    /// on a new database): each migration is its own transaction, so a process that loses the race fails on
    /// a migration another just committed ("duplicate column"), and migrating again finds it applied. It
    /// retries only while the applied set grows, so a migration that fails on its own still fails.
    /// The applied set is read on the writer connection, never a pool reader: a reader opened before the
    /// migration can keep the old table layout and misread rows afterwards.
    static func migrate(_ writer: any DatabaseWriter) throws {
        var attempts = 0
        // GRDB's own bookkeeping table, created as GRDB creates it, before anyone reads it: GRDB reads it first
        // and, finding none, checks whether it exists — another process creating it in between made that read
        // fail with "no such table: grdb_migrations" while nothing had been migrated yet.
        try writer.writeWithoutTransaction { db in
            try db.execute(sql: "CREATE TABLE IF NOT EXISTS grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
        }
        var applied = try writer.writeWithoutTransaction { db in try appliedIdentifiers(db) }
        while true {
            do {
                try migrator.migrate(writer)
                return
            } catch {
                attempts += 1
                let now = try writer.writeWithoutTransaction { db in try appliedIdentifiers(db) }
                guard now != applied, attempts < 20 else { throw error }
                applied = now
            }
        }
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()

        m.registerMigration("v1-tickets") { db in
            try db.execute(
                sql: """
                    CREATE TABLE ticket (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        subject TEXT NOT NULL,
                        invariant TEXT NOT NULL,
                        entity TEXT NOT NULL,
                        severity TEXT NOT NULL,
                        status TEXT NOT NULL,
                        message TEXT NOT NULL,
                        first_seen DATETIME NOT NULL,
                        last_seen DATETIME NOT NULL,
                        occurrences INTEGER NOT NULL,
                        -- consecutive evaluated ticks without the violation; resolves at the policy's threshold
                        missed_ticks INTEGER NOT NULL DEFAULT 0,
                        resolved_at DATETIME,
                        snapshot_excerpt TEXT NOT NULL DEFAULT 'null',
                        reopen_count INTEGER NOT NULL DEFAULT 0,
                        -- the deduplication key: one row per problem, ever; recurrences reopen it
                        UNIQUE (subject, invariant, entity)
                    );
                    CREATE INDEX ticket_by_status ON ticket (subject, status);
                    CREATE TABLE heartbeat (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        subject TEXT NOT NULL,
                        tick INTEGER NOT NULL,
                        started_at DATETIME NOT NULL,
                        duration_ms INTEGER NOT NULL,
                        violations INTEGER NOT NULL,
                        open_tickets INTEGER NOT NULL,
                        error TEXT
                    );
                    """)
        }

        m.registerMigration("v2-incidents") { db in
            try db.execute(
                sql: """
                    CREATE TABLE incident (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        subject TEXT NOT NULL,
                        root_entity TEXT NOT NULL,
                        root_invariant TEXT NOT NULL,
                        status TEXT NOT NULL,
                        severity TEXT NOT NULL,
                        title TEXT NOT NULL,
                        opened_at DATETIME NOT NULL,
                        updated_at DATETIME NOT NULL,
                        resolved_at DATETIME,
                        reopen_count INTEGER NOT NULL DEFAULT 0,
                        merged_into INTEGER REFERENCES incident(id),
                        diagnosis TEXT,
                        diagnosis_error TEXT,
                        diagnosis_attempts INTEGER NOT NULL DEFAULT 0,
                        -- a runner's lease, so two runners never diagnose the same incident at once
                        claimed_until DATETIME,
                        next_attempt_at DATETIME
                    );
                    CREATE INDEX incident_by_status ON incident (subject, status);
                    ALTER TABLE ticket ADD COLUMN incident_id INTEGER REFERENCES incident(id);
                    CREATE INDEX ticket_by_incident ON ticket (incident_id);
                    CREATE TABLE event (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        at DATETIME NOT NULL,
                        kind TEXT NOT NULL,
                        ticket_id INTEGER REFERENCES ticket(id),
                        incident_id INTEGER REFERENCES incident(id),
                        detail TEXT NOT NULL
                    );
                    CREATE INDEX event_by_incident ON event (incident_id);
                    CREATE INDEX event_by_ticket ON event (ticket_id);
                    -- every diagnosis ever made, with the exact (redacted, bounded) context it was made from
                    CREATE TABLE diagnosis (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        incident_id INTEGER NOT NULL REFERENCES incident(id),
                        at DATETIME NOT NULL,
                        diagnoser TEXT NOT NULL,
                        model TEXT,
                        body TEXT NOT NULL,
                        context TEXT NOT NULL
                    );
                    CREATE INDEX diagnosis_by_incident ON diagnosis (incident_id);
                    """)
        }

        m.registerMigration("v3-flapping") { db in
            try db.execute(
                sql: """
                    -- set while the incident is flapping: its tickets are held open until the fault is quiet
                    ALTER TABLE incident ADD COLUMN flapping_since DATETIME;
                    -- recurrences of its most-recurring member, from the ones that made it flapping on
                    ALTER TABLE incident ADD COLUMN flap_count INTEGER NOT NULL DEFAULT 0;
                    -- this ticket's recurrences from the ones that made its incident flapping on
                    ALTER TABLE ticket ADD COLUMN flap_count INTEGER NOT NULL DEFAULT 0;
                    CREATE INDEX event_by_kind_at ON event (kind, at);
                    """)
        }

        // One database, many clusters: every row names its cluster, and the deduplication key becomes
        // cluster + subject + invariant + entity. SQLite cannot change a UNIQUE constraint in place, so the
        // ticket table is rebuilt (SQLite's documented 12-step procedure: GRDB turns foreign keys off for the
        // migration and checks them before it commits). Rows written before keep their ids and join `default`.
        m.registerMigration("v4-clusters") { db in
            try db.execute(
                sql: """
                    CREATE TABLE ticket_v4 (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        cluster TEXT NOT NULL DEFAULT 'default',
                        subject TEXT NOT NULL,
                        invariant TEXT NOT NULL,
                        entity TEXT NOT NULL,
                        severity TEXT NOT NULL,
                        status TEXT NOT NULL,
                        message TEXT NOT NULL,
                        first_seen DATETIME NOT NULL,
                        last_seen DATETIME NOT NULL,
                        occurrences INTEGER NOT NULL,
                        missed_ticks INTEGER NOT NULL DEFAULT 0,
                        resolved_at DATETIME,
                        snapshot_excerpt TEXT NOT NULL DEFAULT 'null',
                        reopen_count INTEGER NOT NULL DEFAULT 0,
                        incident_id INTEGER REFERENCES incident(id),
                        flap_count INTEGER NOT NULL DEFAULT 0,
                        -- the deduplication key: one row per problem per cluster, ever; recurrences reopen it
                        UNIQUE (cluster, subject, invariant, entity)
                    );
                    INSERT INTO ticket_v4 (id, cluster, subject, invariant, entity, severity, status, message, first_seen,
                        last_seen, occurrences, missed_ticks, resolved_at, snapshot_excerpt, reopen_count, incident_id, flap_count)
                    SELECT id, 'default', subject, invariant, entity, severity, status, message, first_seen,
                        last_seen, occurrences, missed_ticks, resolved_at, snapshot_excerpt, reopen_count, incident_id, flap_count
                    FROM ticket;
                    DROP TABLE ticket;
                    ALTER TABLE ticket_v4 RENAME TO ticket;
                    CREATE INDEX ticket_by_status ON ticket (cluster, subject, status);
                    CREATE INDEX ticket_by_incident ON ticket (incident_id);

                    ALTER TABLE incident ADD COLUMN cluster TEXT NOT NULL DEFAULT 'default';
                    -- who took the incident by hand, and when (the note is in the timeline)
                    ALTER TABLE incident ADD COLUMN acknowledged_by TEXT;
                    ALTER TABLE incident ADD COLUMN acknowledged_at DATETIME;
                    CREATE INDEX incident_by_cluster ON incident (cluster, status);

                    ALTER TABLE heartbeat ADD COLUMN cluster TEXT NOT NULL DEFAULT 'default';
                    CREATE INDEX heartbeat_by_cluster ON heartbeat (cluster, subject, id);

                    ALTER TABLE diagnosis ADD COLUMN cluster TEXT NOT NULL DEFAULT 'default';
                    """)
        }

        // Notifications out: the receivers delivery knows (so every writer queues for them) and the outbox,
        // one row per incident event per receiver, written in the incident change's transaction. Additive.
        m.registerMigration("v5-outbox") { db in
            try db.execute(
                sql: """
                    -- registered by the process that delivers (serve, monitor with notify:); events: comma list
                    CREATE TABLE notify_receiver (
                        name TEXT PRIMARY KEY,
                        events TEXT NOT NULL
                    );
                    CREATE TABLE outbox (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        incident_id INTEGER NOT NULL REFERENCES incident(id),
                        cluster TEXT NOT NULL,
                        event TEXT NOT NULL,
                        -- the timeline event's id: orders an incident's events
                        sequence INTEGER NOT NULL,
                        receiver TEXT NOT NULL,
                        idempotency_key TEXT NOT NULL,
                        created_at DATETIME NOT NULL,
                        status TEXT NOT NULL,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        last_error TEXT,
                        next_attempt_at DATETIME NOT NULL,
                        sent_at DATETIME,
                        UNIQUE (receiver, idempotency_key)
                    );
                    CREATE INDEX outbox_due ON outbox (receiver, status, next_attempt_at);
                    CREATE INDEX outbox_by_incident ON outbox (incident_id);
                    """)
        }

        // Alerts received from the user's alerting (Alertmanager's
        // webhook): one row per fingerprint per cluster, pointing at the ticket it opened. Several
        // fingerprints may share a ticket (same alertname on the same entity); it resolves when all have.
        m.registerMigration("v6-alert-intake") { db in
            try db.execute(
                sql: """
                    CREATE TABLE alert (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        cluster TEXT NOT NULL,
                        fingerprint TEXT NOT NULL,
                        ticket_id INTEGER NOT NULL REFERENCES ticket(id),
                        alertname TEXT NOT NULL,
                        status TEXT NOT NULL,
                        labels TEXT NOT NULL,
                        annotations TEXT NOT NULL,
                        generator_url TEXT,
                        starts_at DATETIME,
                        ends_at DATETIME,
                        received_at DATETIME NOT NULL,
                        UNIQUE (cluster, fingerprint)
                    );
                    CREATE INDEX alert_by_ticket ON alert (ticket_id, status);
                    """)
        }
        // Replica leases (`LeaseStore`): one row per lease name, taken and renewed in one atomic upsert.
        m.registerMigration("v7-leases") { db in
            try db.execute(
                sql: """
                    CREATE TABLE lease (
                        name TEXT PRIMARY KEY,
                        holder TEXT NOT NULL,
                        acquired_at DATETIME NOT NULL,
                        expires_at DATETIME NOT NULL,
                        generation INTEGER NOT NULL
                    );
                    """)
        }
        return m
    }
}
