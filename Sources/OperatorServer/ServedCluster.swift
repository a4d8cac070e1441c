import Foundation
import OperatorCore

/// A cluster `operator serve` watches, as the API sees it: its name, its subject, and how to diagnose
/// one of its incidents again. The composition root builds these (it alone knows the subjects).
public struct ServedCluster: Sendable {
    public var name: String
    public var subject: String
    /// Diagnosers `POST /incidents/{id}/diagnose` may name for this cluster; `offline` is always one.
    public var diagnosers: [String]
    /// Runs the named diagnoser on the incident through the production `DiagnosisRunner` and returns
    /// what it stored (or why it failed).
    public var diagnose: @Sendable (_ incidentID: Int64, _ diagnoser: String) async throws -> DiagnosisAttempt
    /// Records one delivery of received alerts as this cluster's tickets (`AlertIntake.receive`, which maps
    /// them through the subject); nil when this server takes no alerts for the cluster.
    public var receiveAlerts: (@Sendable (_ alerts: [ReceivedAlert]) async throws -> AlertIntakeOutcome)?

    public init(
        name: String, subject: String, diagnosers: [String],
        receiveAlerts: (@Sendable (_ alerts: [ReceivedAlert]) async throws -> AlertIntakeOutcome)? = nil,
        diagnose: @escaping @Sendable (_ incidentID: Int64, _ diagnoser: String) async throws -> DiagnosisAttempt
    ) {
        self.name = name
        self.subject = subject
        self.diagnosers = Array(Set(diagnosers + ["offline"])).sorted()
        self.receiveAlerts = receiveAlerts
        self.diagnose = diagnose
    }
}

/// The answer of `POST /incidents/{id}/diagnose`: the diagnosis stored, or why there is none.
public struct DiagnosisAttempt: Sendable, Codable, Equatable {
    public var incidentID: Int64
    public var diagnoser: String
    public var diagnosis: Diagnosis?
    public var error: String?

    public init(incidentID: Int64, diagnoser: String, diagnosis: Diagnosis?, error: String?) {
        self.incidentID = incidentID
        self.diagnoser = diagnoser
        self.diagnosis = diagnosis
        self.error = error
    }

    enum CodingKeys: String, CodingKey {
        case incidentID = "incident_id"
        case diagnoser, diagnosis, error
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(incidentID, forKey: .incidentID)
        try c.encode(diagnoser, forKey: .diagnoser)
        try c.encode(diagnosis, forKey: .diagnosis)
        try c.encode(error, forKey: .error)
    }
}
