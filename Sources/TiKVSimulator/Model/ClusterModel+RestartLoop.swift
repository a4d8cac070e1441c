/// restart-loop (tikv-at-scale.md §5 pattern 5, TiKV OOM): the store's process is killed and restarted on a
/// fixed cycle, through the same kill and restart a store-down fault and its lift use, so PD's view (heartbeats,
/// Disconnected, peers), the counters (reset on each start) and the logs follow from the one physics.
extension ClusterModel {
    mutating func setRestartLoop(store index: Int, active: Bool, at time: SimInstant) {
        if active {
            stores[index].restartLoopNext = time + Physics.restartLoopFirstKill
            stores[index].restartLoopRestarts = 0
            return
        }
        stores[index].restartLoopNext = nil
        // Lifted while dead: it comes back for good.
        if stores[index].downSince != nil { restartStore(index, at: time) }
    }

    /// The earliest kill or restart any restart loop has scheduled.
    func nextRestartLoopTransition() -> SimInstant? {
        stores.compactMap(\.restartLoopNext).min()
    }

    /// Kills or restarts every looping store whose next transition is due by `time`.
    mutating func applyRestartLoopTransitions(upTo time: SimInstant) {
        for index in stores.indices {
            // A long clock jump crosses several transitions: take them in order.
            while let due = stores[index].restartLoopNext, due <= time {
                if stores[index].downSince == nil {
                    killStore(index, at: due)
                    stores[index].restartLoopNext = due + Physics.restartLoopDowntime
                } else {
                    restartStore(index, at: due)
                    stores[index].restartLoopRestarts += 1
                    stores[index].restartLoopNext = due + Physics.restartLoopUptime
                }
            }
        }
    }

    /// Resident memory: steady, or under a restart loop climbing from the start toward the 16 GiB quota
    /// before each kill (`TiKV_memory_used_too_fast`, `TiKV_memory_quota` would fire on this).
    func residentMemoryBytes(ofStore index: Int, summary: ClusterSummary) -> Double {
        let steady = 2_684_354_560 + Double(summary.regionCount[index]) * 2_048
        let store = stores[index]
        guard store.restartLoopNext != nil, store.isProcessUp(at: summary.time) else { return steady.rounded() }
        let up = max(0, (summary.time - store.processStart).seconds)
        let progress = min(1, up / Physics.restartLoopUptime.seconds)
        return (steady + (Physics.memoryQuotaBytes * 0.97 - steady) * progress).rounded()
    }
}
