import Foundation
import OperatorCore

/// What Operator knows about diagnosing etcd: its failure categories, which violation explains which, the
/// evidence worth gathering and the offline rules.
public struct EtcdKnowledge: DiagnosisKnowledge {
    public let settings: EtcdSettings
    let observe: @Sendable () async throws -> EtcdSnapshot
    let metricsSource: any EtcdMetricsSource

    public var taxonomy: [DiagnosisCategory] { Self.categories }

    static let categories: [DiagnosisCategory] = [
        DiagnosisCategory("node-down", "a member's process is not running: its client URL refuses connections"),
        DiagnosisCategory("node-unresponsive", "a member accepts connections but answers nothing: frozen (SIGSTOP), hung on its disk or starved"),
        DiagnosisCategory("quorum-lost", "no leader and no linearizable reads: fewer than a majority of voting members serve"),
        DiagnosisCategory("member-removed", "a member left the member list (etcdctl member remove): the cluster is smaller"),
        DiagnosisCategory("db-quota", "the backend database reached its quota: the NOSPACE alarm, writes refused"),
        DiagnosisCategory("slow-disk", "WAL fsync or backend commit latency too high for raft's timing"),
        DiagnosisCategory("leader-churn", "elections keep following each other: heartbeats time out"),
        DiagnosisCategory("leader-transfer", "leadership was handed over (etcdctl move-leader) while the previous leader stays healthy"),
        DiagnosisCategory("network-partition", "peer streams down between members that answer clients"),
        DiagnosisCategory("network-lag", "slow links between members' peer URLs"),
        DiagnosisCategory("overload", "more proposals than the leader commits: backlog and failures"),
    ]

    /// What a category means, for hypotheses that have no evidence to cite.
    static func meaning(_ category: String) -> String {
        categories.first { $0.id == category }?.summary ?? category
    }

    public var rules: [DiagnosisRule] { EtcdRules.all(settings) }

    public func causalLinks(among violations: [Violation], in snapshot: EtcdSnapshot) -> [CausalLink] {
        EtcdCausalLinks.links(among: violations, in: snapshot)
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
