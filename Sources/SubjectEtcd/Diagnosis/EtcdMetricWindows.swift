import Foundation
import OperatorCore
import PrometheusClient

/// Metric series around an incident, from Prometheus range queries: whether each member had a leader,
/// leader changes, and WAL fsync p99.
enum EtcdMetricWindows {
    static func fetch(
        from source: PrometheusMetricsSource, members: [EtcdMemberState], window: DateInterval
    ) async -> ([MetricWindow], [String]) {
        let step = Duration.seconds(max(1, Int(checking: window.duration / 120) ?? 1))
        let byInstance = Dictionary(
            members.compactMap { m in m.clientURL.flatMap(PrometheusMetricsSource.instance(of:)).map { ($0, m.entity) } }
        ) { a, _ in a }
        let queries: [(String, String, String?)] = [
            ("has_leader", EtcdMetricNames.hasLeader, nil),
            ("leader_changes", "increase(\(EtcdMetricNames.leaderChanges)[1m])", nil),
            (
                "wal_fsync_p99",
                "histogram_quantile(0.99, sum by (instance, le) (rate(\(EtcdMetricNames.walFsync)_bucket[1m])))", "s"
            ),
        ]
        var windows: [MetricWindow] = []
        var notes: [String] = []
        for (name, query, unit) in queries {
            do {
                let series = try await source.api.queryRange(query, start: window.start, end: window.end, step: step)
                for s in series {
                    let entity = s.metric["instance"].flatMap { byInstance[$0] }
                    windows.append(
                        MetricWindow(
                            name: name, query: query, entity: entity, unit: unit,
                            points: s.points.map { MetricPoint(time: $0.time, value: $0.value) }))
                }
            } catch {
                notes.append("range query \(query) failed: \(error)")
            }
        }
        return (windows, notes)
    }
}
