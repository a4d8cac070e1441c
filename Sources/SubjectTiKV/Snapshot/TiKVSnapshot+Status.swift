import Foundation
import OperatorCore

extension TiKVSnapshot {
    /// One line per fact for `operator status`.
    public func statusLines() -> [String] {
        var lines: [String] = []
        let members = pd.members.map { m in
            m.name + (m.isLeader ? " (leader)" : "") + (m.healthy == false ? " UNHEALTHY" : "")
        }
        if let error = pd.membersError, pd.members.isEmpty {
            lines.append("PD: members unavailable: \(error)")
        } else {
            lines.append(
                "PD: \(pd.leader.map { "leader \($0)" } ?? "NO LEADER"); members \(members.joined(separator: ", "))"
                    + (pdEndpoint.map { " via \($0)" } ?? ""))
        }
        if let error = pd.healthError { lines.append("PD health unavailable: \(error)") }
        if let error = storesError { lines.append("stores unavailable: \(error)") }
        for s in stores.sorted(by: { $0.id < $1.id }) { lines.append(s.statusLine) }
        if let r = regions {
            let counts = PDRegionCheck.allCases.compactMap { c in r.count(c).map { "\(c.rawValue) \($0)" } }
            let oldest = (r.ageSeconds ?? [:]).values.max().map { "; some counts remembered from \(DurationText.format(seconds: $0)) ago" } ?? ""
            lines.append(
                "regions: \(r.total.map(String.init) ?? "?") total; " + counts.joined(separator: ", ") + " (from \(r.source))" + oldest)
        } else if let error = regionsError {
            lines.append("regions: health counts unavailable: \(error)")
        }
        lines.append("metrics: \(metricsSource)" + (metricsError.map { " unavailable: \($0)" } ?? ""))
        lines += notes.map { "note: \($0)" }
        return lines
    }
}

extension StoreView {
    var statusLine: String {
        var parts = ["\(displayName) \(stateName)" + (nodeState == "Serving" ? "" : "/\(nodeState)")]
        if isTiFlash { parts[0] += " [tiflash]" }
        if let ratio = availableRatio {
            parts.append("\(NumberText.percent(ratio)) free")
        }
        if let l = leaders { parts.append("\(NumberText.integer(l)) leaders") }
        if let r = regionCount { parts.append("\(r) regions") }
        if let m = metrics {
            if let q = m.qps { parts.append(String(format: "%.0f qps", q)) }
            if let p = m.p99LatencySeconds { parts.append("p99 \(DurationText.format(seconds: p))") }
            if let c = m.cpuCores { parts.append(String(format: "cpu %.2f cores", c)) }
        }
        if let s = slowScore, s > 1 { parts.append(String(format: "slow score %.0f", s)) }
        if statusReachable == false { parts.append("status endpoint UNREACHABLE") }
        if let e = metricsError, metrics == nil { parts.append("no metrics: \(e)") }
        return parts.joined(separator: ", ")
    }
}
