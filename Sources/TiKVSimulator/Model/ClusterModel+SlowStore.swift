/// slow-store (tikv-at-scale.md §3 "Slow-score mechanics", §5 pattern 3): the store's slow score reaches 100
/// and PD's evict-slow-store-scheduler moves every leader off it, which PD logs; the leaders come back when
/// the fault is lifted (a real PD waits `recovery-duration` with the score at 1 first).
extension ClusterModel {
    mutating func setSlowStore(store index: Int, active: Bool, at time: SimInstant) {
        let tag = "\(SimulatedFaultKind.slowStore.rawValue)/store:\(stores[index].id)"
        if active {
            let evictAt = time + Physics.slowStoreRamp
            let before = summary(at: evictAt - SimSpan(nanoseconds: 1))
            stores[index].slowStoreSince = time
            let after = summary(at: evictAt)
            if let leader = pd.leaderIndex {
                schedule([
                    .init(.pd(pd.members[leader].name), at: evictAt, .info, "evict_slow_store.go:280",
                          "detected slow store, start to evict leaders", [("store-id", String(stores[index].id))], tag: tag),
                ])
            }
            scheduleLeaderChangeLogs(from: before, to: after, at: evictAt, transfer: true)
        } else {
            cancelScheduledLogs(tag: tag)
            let before = summary(at: time)
            stores[index].slowStoreSince = nil
            let after = summary(at: time)
            scheduleLeaderChangeLogs(from: before, to: after, at: time, transfer: true)
        }
    }
}
