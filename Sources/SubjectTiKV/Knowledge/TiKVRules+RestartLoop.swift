import OperatorCore

/// restart-loop: a store whose process keeps starting again (tikv-at-scale.md §5 pattern 5, TiKV OOM). A down
/// store that comes back by itself and dies again is not a node that is down: restarting it is no remedy.
extension TiKVRules {
    static let loopRestarts = 2.0

    static func restartLoop(_ f: Facts) -> Hypothesis {
        let symptom = "a store's process keeps restarting"
        let candidates = f.candidateStores.filter { $0.number("store.recent_restarts") != nil }
        guard let s = candidates.max(by: { ($0.number("store.recent_restarts") ?? 0) < ($1.number("store.recent_restarts") ?? 0) }),
            let restartsSignal = s.signal("store.recent_restarts"), let restarts = restartsSignal.number
        else {
            return weak(TiKVCategory.restartLoop, fallbackEntity(f), score: 0.05, symptom,
                against: [f.ticketClaim("no restart count was gathered for \(f.incidentStores.map(\.description).joined(separator: ", "))")])
        }
        let window = DurationText.format(seconds: TiKVSnapshot.restartWindowSeconds)
        let countClaim = restartsSignal.claim("\(s.label) started again \(fmt(restarts)) times within \(window)")
        guard restarts >= loopRestarts else {
            var claim = countClaim
            claim.text += " (a loop is \(fmt(loopRestarts)) or more)"
            return weak(TiKVCategory.restartLoop, s.entity, score: restarts >= 1 ? 0.3 : 0.05, symptom, against: [claim])
        }
        var claims = [countClaim]
        if let state = s.signal("store.state") {
            claims.append(state.claim("PD reports it \(state.text ?? "?") now" + (s.isDown ? ", between two starts" : "")))
        }
        let score = (f.rootIs("restart-loop", on: s.entity) ? 0.97 : 0.96) * f.relevance(of: s.entity)
        return Hypothesis(
            category: TiKVCategory.restartLoop, entity: s.entity, score: score, claims: claims,
            supporting: f.evidence(s, ["store.recent_restarts", "store.state", "store.status_reachable", "store.uptime_seconds"]),
            againstClaims: f.relevanceClaim(of: s.entity).map { [$0] } ?? [],
            actions: [
                .init(action: "Check why tikv-server on \(s.label) dies: dmesg -T | grep -i oom on its host, the container's OOMKilled status, and the last lines of tikv.log before each \"Welcome to TiKV\"",
                    rationale: "a process that restarts again and again is usually killed for memory (raft entry cache, unstable entries, block cache)", risk: "low"),
                .init(action: "Lower storage.block-cache.capacity and raftstore.raft-entry-cache-life-time / memory-usage-limit on \(s.label), or give the host more memory, then restart once",
                    rationale: "memory that climbs to the limit on every start will be killed again", risk: "medium"),
            ])
    }
}
