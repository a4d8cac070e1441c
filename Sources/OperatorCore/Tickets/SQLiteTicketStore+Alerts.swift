import Foundation
import GRDB

extension SQLiteTicketStore: AlertStore {
    /// One delivery of alerts in one transaction: every alert lands, or none does.
    public func recordAlerts(_ batch: AlertBatch, policy: TicketPolicy) async throws -> AlertIntakeOutcome {
        try await pool.write { db in
            var recorder = AlertRecorder(db: db, batch: batch, policy: policy)
            return try recorder.run()
        }
    }
}
