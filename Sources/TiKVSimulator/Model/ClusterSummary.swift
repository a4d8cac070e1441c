/// Per-store and per-check aggregates of all cohorts at one instant: what PD's counters say.
struct ClusterSummary: Sendable {
    let time: SimInstant
    let views: [CohortView]
    var regionCount: [Int]
    var leaderCount: [Int]
    var regionSizeMiB: [Int64]
    var leaderSizeMiB: [Int64]
    var regionKeys: [Int64]
    var leaderKeys: [Int64]
    var pendingPeerCount: [Int]
    var missPeerRegions = 0
    var downPeerRegions = 0
    var pendingPeerRegions = 0
    let emptyRegions: Int
    let undersizedRegions: Int
    let totalRegions: Int

    init(time: SimInstant, views: [CohortView], layout: RegionLayout) {
        self.time = time
        self.views = views
        let stores = layout.storeCount
        regionCount = [Int](repeating: 0, count: stores)
        leaderCount = [Int](repeating: 0, count: stores)
        regionSizeMiB = [Int64](repeating: 0, count: stores)
        leaderSizeMiB = [Int64](repeating: 0, count: stores)
        regionKeys = [Int64](repeating: 0, count: stores)
        leaderKeys = [Int64](repeating: 0, count: stores)
        pendingPeerCount = [Int](repeating: 0, count: stores)
        emptyRegions = layout.cohortEmpty.reduce(0, +)
        undersizedRegions = layout.cohortUndersized.reduce(0, +)
        totalRegions = layout.regionCount
        for view in views {
            let regions = layout.cohortRegions[view.cohort]
            guard regions > 0 else { continue }
            let size = layout.cohortSizeMiB[view.cohort]
            let keys = layout.cohortKeys[view.cohort]
            for peer in view.peers {
                regionCount[peer.storeIndex] += regions
                regionSizeMiB[peer.storeIndex] += size
                regionKeys[peer.storeIndex] += keys
                if peer.phase.isPending { pendingPeerCount[peer.storeIndex] += regions }
            }
            let leader = view.leader.storeIndex
            leaderCount[leader] += regions
            leaderSizeMiB[leader] += size
            leaderKeys[leader] += keys
            if view.isMissPeer { missPeerRegions += regions }
            if view.hasDownPeer { downPeerRegions += regions }
            if view.hasPendingPeer { pendingPeerRegions += regions }
        }
    }
}
