import OperatorCore

/// write-stall: RocksDB holds a running store's writes because compaction is behind (tikv-at-scale.md §5
/// pattern 4). What sets it apart from a slow disk: the stall series is non-zero and the scheduler turns
/// writes away as ServerIsBusy, while the slow score can stay at 1.
extension TiKVRules {
    static func writeStall(_ f: Facts) -> Hypothesis {
        let skeleton = StoreRuleSkeleton(
            category: TiKVCategory.writeStall, symptom: "RocksDB is stalling a store's writes", strongAbove: 0.3,
            evidence: ["store.write_stall_p99_seconds", "store.write_stall_reason", "store.scheduler_busy_per_second", "store.p99_seconds",
                "store.state"])
        return skeleton.hypothesis(
            f,
            noStore: { f.claim("no running store in the incident to stall", f.candidateStores.flatMap(\.stateSignals)) },
            score: { s in
                let stall = s.signal("store.write_stall_p99_seconds")
                let busy = s.signal("store.scheduler_busy_per_second")
                let stalled = (stall?.number ?? 0) > 0
                var value = 0.05
                if stalled { value = (busy?.number ?? 0) > 0 ? 0.93 : 0.85 }
                if stalled, f.rootIs("write-stall", on: s.entity) { value += 0.03 }
                value *= f.relevance(of: s.entity)
                let text = stall == nil
                    ? "\(s.label) reports no write stall series"
                    : "\(s.label) write stall p99 \(secs(stall?.number)) (expected 0)"
                        + (busy?.number.map { String(format: "; %.0f writes/s rejected as ServerIsBusy", $0) } ?? "")
                return (value, f.claim(text, [stall, busy, s.signal("store.state")]))
            },
            strong: { best in
                let s = best.store
                var claims = [
                    f.claim("RocksDB on \(s.label) is stalling writes while PD reports it \(s.state ?? "?")",
                        [s.signal("store.write_stall_p99_seconds"), s.signal("store.state")]),
                    best.why,
                ]
                if let reason = s.signal("store.write_stall_reason"), let text = reason.text {
                    claims.append(reason.claim("the stall cause RocksDB counts most is \(text)"))
                }
                return .init(
                    claims: claims,
                    actions: [
                        .init(action: "Look at \(s.label)'s compaction backlog (tikv_engine_pending_compaction_bytes, level-0 file counts) and the RocksDB LOG for \"Stalling writes because\"",
                            rationale: "a stall means flush or compaction cannot keep up with the incoming writes", risk: "low"),
                        .init(action: "Throttle the heavy writer or raise rocksdb.max-background-jobs / the level-0 stop trigger on \(s.label); keep storage.flow-control enabled",
                            rationale: "flow control paces writes smoothly instead of RocksDB stopping them", risk: "medium"),
                    ])
            },
            weakAgainst: { best, _ in
                var why = best.why
                if let stall = best.store.signal("store.write_stall_p99_seconds"), stall.number == 0 {
                    why = f.claim("\(best.store.label) write stall p99 0 s: RocksDB is not holding writes", [stall])
                }
                return [why]
            })
    }
}
