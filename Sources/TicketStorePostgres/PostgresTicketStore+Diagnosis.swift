import Foundation
import OperatorCore
import PostgresNIO

/// Diagnosis claims and results.
extension PostgresTicketStore {
    /// Claims with one statement: rows another runner holds (its transaction not yet committed) are skipped,
    /// not waited for, and a claimed row is not offered again until its lease ends.
    public func claimIncidentsForDiagnosis(ids: [Int64]?, cluster: String?, limit: Int, lease: Duration, now: Date)
        async throws -> [Incident]
    {
        let until = now.addingTimeInterval(lease.seconds)
        return try await transaction { session in
            let chosen: [Int64]
            if let ids {
                chosen = try await session.values(
                    """
                    UPDATE incident SET claimed_until = \(until) WHERE id = ANY(\(ids)) AND merged_into IS NULL RETURNING id
                    """, as: Int64.self)
            } else {
                chosen = try await session.values(
                    """
                    UPDATE incident SET claimed_until = \(until) WHERE id IN (
                        SELECT id FROM incident WHERE status = 'open' AND merged_into IS NULL
                            AND (\(cluster)::text IS NULL OR cluster = \(cluster))
                            AND (claimed_until IS NULL OR claimed_until < \(now))
                            AND (next_attempt_at IS NULL OR next_attempt_at <= \(now))
                        ORDER BY id LIMIT \(max(0, limit)) FOR UPDATE SKIP LOCKED)
                    RETURNING id
                    """, as: Int64.self)
            }
            var incidents: [Incident] = []
            for id in chosen.sorted() { if let incident = try await session.incident(id: id) { incidents.append(incident) } }
            return incidents
        }
    }

    public func recordDiagnosis(_ diagnosis: Diagnosis, context: DiagnosisContext, incidentID: Int64, at: Date, reason: String?)
        async throws
    {
        let path = location.description
        let body = try PostgresRows.json(diagnosis)
        let contextText = try PostgresRows.json(context)
        let seen = context.tickets.compactMap(\.id)
        try await transaction { session in
            guard let cluster = try await session.lockCluster(ofIncident: incidentID) else {
                throw NotFoundError(what: "incident", id: incidentID, path: path)
            }
            try await session.execute(
                """
                INSERT INTO diagnosis (incident_id, cluster, at, diagnoser, model, body, context)
                VALUES (\(incidentID), \(cluster), \(at), \(diagnosis.diagnoser), \(diagnosis.model), \(body), \(contextText))
                """)
            try await session.execute(
                """
                UPDATE incident SET diagnosis = \(body), diagnosis_error = NULL, diagnosis_attempts = 0, claimed_until = NULL,
                    next_attempt_at = NULL, updated_at = \(at) WHERE id = \(incidentID)
                """)
            // Only tickets the diagnosis actually saw count as diagnosed; later joiners keep the incident open.
            try await session.execute(
                "UPDATE ticket SET status = 'diagnosed' WHERE id = ANY(\(seen)) AND incident_id = \(incidentID) AND status = 'created'")
            let detail = "\(diagnosis.diagnoser): \(diagnosis.rootCause.category) on \(diagnosis.rootCause.entity)"
                + (reason.map { " (re-diagnosed: \($0))" } ?? "")
            try await session.insertEvent(at: at, kind: .diagnosed, ticket: nil, incident: incidentID, detail: detail)
            try await PostgresIncidentStatus.refresh(incidentID, session: session, now: at)
        }
    }

    public func recordDiagnosisSkipped(_ reason: String, context: DiagnosisContext, incidentID: Int64, at: Date) async throws {
        let path = location.description
        let seen = context.tickets.compactMap(\.id)
        try await transaction { session in
            guard try await session.lockCluster(ofIncident: incidentID) != nil else {
                throw NotFoundError(what: "incident", id: incidentID, path: path)
            }
            try await session.execute(
                """
                UPDATE incident SET claimed_until = NULL, next_attempt_at = NULL, diagnosis_error = NULL,
                    diagnosis_attempts = 0, updated_at = \(at) WHERE id = \(incidentID)
                """)
            try await session.execute(
                "UPDATE ticket SET status = 'diagnosed' WHERE id = ANY(\(seen)) AND incident_id = \(incidentID) AND status = 'created'")
            try await session.insertEvent(at: at, kind: .diagnosisSkipped, ticket: nil, incident: incidentID, detail: reason)
            try await PostgresIncidentStatus.refresh(incidentID, session: session, now: at)
        }
    }

    public func recordDiagnosisFailure(_ message: String, incidentID: Int64, at: Date, retryAt: Date) async throws {
        try await transaction { session in
            try await session.execute(
                """
                UPDATE incident SET diagnosis_error = \(message), diagnosis_attempts = diagnosis_attempts + 1,
                    next_attempt_at = \(retryAt), claimed_until = NULL, updated_at = \(at) WHERE id = \(incidentID)
                """)
            try await session.insertEvent(at: at, kind: .diagnosisFailed, ticket: nil, incident: incidentID, detail: message)
        }
    }

    public func diagnosisContext(incidentID: Int64) async throws -> DiagnosisContext? {
        let text = try await read { session in
            try await session.value(
                "SELECT context FROM diagnosis WHERE incident_id = \(incidentID) ORDER BY id DESC LIMIT 1", as: String.self)
        }
        return try text.map { try PostgresRows.decode(DiagnosisContext.self, $0, table: "diagnosis", column: "context") }
    }

    public func diagnosisContextBytes(incidentID: Int64) async throws -> Int? {
        try await read { session in
            try await session.value(
                "SELECT octet_length(context) FROM diagnosis WHERE incident_id = \(incidentID) ORDER BY id DESC LIMIT 1", as: Int.self)
        }
    }
}
