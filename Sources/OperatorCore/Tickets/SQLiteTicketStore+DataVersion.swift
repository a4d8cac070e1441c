import GRDB

extension SQLiteTicketStore {
    /// SQLite's `PRAGMA data_version` on a connection that never writes: it changes whenever any other
    /// connection commits, whether in this process (the pool's writer) or another (a second monitor, the
    /// CLI). Asking starts a read transaction, so the answer covers every commit made before it was asked.
    public func dataVersion() async throws -> Int64? {
        let connection = try versionReader()
        return try await connection.read { db in try Int64.fetchOne(db, sql: "PRAGMA data_version") }
    }

    private func versionReader() throws -> DatabaseQueue {
        try versionConnection.withLock { connection in
            if let open = connection { return open }
            var configuration = Configuration()
            configuration.readonly = true
            configuration.label = "operator.tickets.data-version"
            configuration.busyMode = .timeout(10)
            let opened = try DatabaseQueue(path: path, configuration: configuration)
            connection = opened
            return opened
        }
    }
}
