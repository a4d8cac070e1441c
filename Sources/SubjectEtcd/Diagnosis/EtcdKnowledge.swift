import Foundation
import OperatorCore

/// What Operator knows about diagnosing etcd: its failure categories, which violation explains which, the
/// evidence worth gathering and the offline rules.
public struct EtcdKnowledge: DiagnosisKnowledge {
    public let settings: EtcdSettings
    let observe: @Sendable () async throws -> EtcdSnapshot
    let metricsSource: any EtcdMetricsSource

    public var taxonomy: [DiagnosisCategory] { Self.categories }

    /// Phrased as definitions ("when …"): a rejected alternative shows its category's definition, which must
    /// not read as a statement about the cluster.
    static let categories: [DiagnosisCategory] = [
        DiagnosisCategory("node-down", "when a member's process is not running: its client URL refuses connections"),
        DiagnosisCategory("node-unresponsive", "when a member accepts connections but answers nothing: frozen (SIGSTOP), hung on its disk or starved"),
        DiagnosisCategory("quorum-lost", "when linearizable reads fail because fewer than a majority of voting members serve"),
        DiagnosisCategory("member-removed", "when a member left the member list (etcdctl member remove) and the cluster is smaller"),
        DiagnosisCategory("db-quota", "when a backend database reaches its quota: the NOSPACE alarm, writes refused"),
        DiagnosisCategory("slow-disk", "when WAL fsync or backend commit latency is too high for raft's timing"),
        DiagnosisCategory("leader-churn", "when elections follow each other, more leader changes than the window allows"),
        DiagnosisCategory("leader-transfer", "when leadership is handed over (etcdctl move-leader) and the previous leader stays healthy"),
        DiagnosisCategory("network-partition", "when peer streams are down between members that answer clients"),
        DiagnosisCategory("network-lag", "when links between members' peer URLs are slow"),
        DiagnosisCategory("overload", "when members hold more proposals than the leader commits: backlog and failures"),
    ]

    /// What a category means, for hypotheses that have no evidence to cite.
    static func meaning(_ category: String) -> String {
        categories.first { $0.id == category }?.summary ?? category
    }

    public var rules: [DiagnosisRule] { EtcdRules.all(settings) }

    public func causalLinks(among violations: [Violation], in snapshot: EtcdSnapshot) -> [CausalLink] {
        EtcdCausalLinks.links(among: violations, in: snapshot) + EtcdAlertMapping.links(among: violations)
    }

    public func alertEntity(labels: [String: String], in snapshot: EtcdSnapshot?) -> Entity {
        EtcdAlertMapping.entity(labels: labels, in: snapshot)
    }

    public func gatherEvidence(for request: EvidenceRequest, snapshot: EtcdSnapshot?) async -> DiagnosisEvidence {
        var notes: [String] = []
        var current = snapshot
        if current == nil {
            do {
                current = try await observe()
            } catch {
                notes.append("could not observe the cluster for evidence: \(error)")
            }
        }
        guard let s = current else { return DiagnosisEvidence(notes: notes) }
        for m in s.members {
            // With metrics present the error names values that were dropped as malformed, not a failed read.
            if let e = m.metricsError { notes.append("metrics of \(m.displayName) \(m.metrics == nil ? "not read" : "partly unusable"): \(e)") }
            if let e = m.statusError, m.reachable { notes.append("maintenance/status of \(m.displayName) failed: \(e)") }
        }
        if let e = s.metricsError { notes.append("metrics source \(s.metricsSource) failed: \(e)") }

        var metrics: [MetricWindow] = []
        if let prometheus = metricsSource as? PrometheusMetricsSource {
            let (windows, failures) = await EtcdMetricWindows.fetch(from: prometheus, members: s.members, window: request.window)
            metrics = windows
            notes += failures
        } else {
            notes.append("metric history needs a Prometheus server (--prometheus); evidence holds point-in-time values and window aggregates only")
        }
        let (events, logNotes) = EtcdLogEvidence.events(files: settings.logFiles, snapshot: s, window: request.window)
        notes += logNotes
        return DiagnosisEvidence(
            signals: EtcdEvidence.signals(from: s, settings: settings), metrics: metrics, topology: EtcdEvidence.topology(of: s),
            logEvents: events, notes: notes)
    }
}
