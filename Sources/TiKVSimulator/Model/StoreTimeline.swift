/// One TiKV store's life on PD's clock: when its process runs, and which faults hit it when.
///
/// Everything PD would report about the store (last heartbeat, state name, peer health) is
/// derived from these few timestamps at the moment of a request.
struct StoreTimeline: Sendable {
    let index: Int
    let id: UInt64
    var statusPort: Int = 0
    let clusterStart: SimInstant
    /// Start of the current process (restarts move it; counters restart from zero with it).
    var processStart: SimInstant
    /// Set while the process is down (store-down).
    var downSince: SimInstant?
    /// PD's `last_heartbeat` when the process died: fixes when PD declares it Down.
    var heartbeatAtDeath: SimInstant?
    /// Earlier outages, to know whether the store was alive at some past instant.
    var pastOutages: [(from: SimInstant, to: SimInstant)] = []
    var diskFullSince: SimInstant?
    var slowDiskSince: SimInstant?
    var slowDiskLifted: (at: SimInstant, score: Double)?
    var hotWriteSince: SimInstant?
    var networkLagSince: SimInstant?
    var writeStallSince: SimInstant?
    /// pending-peers: since when its peers cannot finish applying snapshots.
    var pendingPeersSince: SimInstant?
    /// too-many-regions: since when a split storm has been adding regions to it.
    var tooManyRegionsSince: SimInstant?
    /// slow-store: when its raft inspections began timing out (PD's slow score climbs, then eviction).
    var slowStoreSince: SimInstant?
    /// restart-loop: the next instant the process is killed (while up) or comes back (while down).
    var restartLoopNext: SimInstant?
    /// Restarts the loop has made so far (for the memory curve and logs).
    var restartLoopRestarts = 0
    /// Bytes of disk, fixed at start.
    let capacityBytes: Double

    init(index: Int, clusterStart: SimInstant, capacityBytes: Double) {
        self.index = index
        self.id = UInt64(index + 1)
        self.clusterStart = clusterStart
        self.processStart = clusterStart
        self.capacityBytes = capacityBytes
    }

    var isRestarted: Bool { processStart > clusterStart }

    func isProcessUp(at time: SimInstant) -> Bool {
        if let down = downSince, down <= time { return false }
        return true
    }

    func wasAlive(at time: SimInstant) -> Bool {
        if let down = downSince, down <= time { return false }
        return !pastOutages.contains { $0.from <= time && time < $0.to }
    }

    /// PD's `last_heartbeat`: the latest heartbeat that reached PD by `time`. Heartbeats go out every
    /// 10 s and stop when the process dies. One sent while PD has no leader fails; the store
    /// reconnects and heartbeats as soon as a leader is elected. Under network-lag each heartbeat
    /// arrives 7 s late and the next goes out 10 s after that: one every 17 s, late, yet inside
    /// PD's 20 s disconnect limit.
    func lastHeartbeat(at time: SimInstant, pdOutages: [PDOutage]) -> SimInstant {
        var limit = time
        if let down = downSince, down <= time { limit = down }
        var latest = processStart
        for _ in 0..<64 {
            let beat = scheduledBeat(atOrBefore: limit)
            guard beat > processStart, let outage = pdOutages.last(where: { $0.covers(beat) }) else {
                latest = max(latest, beat)
                break
            }
            limit = outage.start - SimSpan(nanoseconds: 1)
        }
        // The heartbeat right after reconnecting to a newly elected PD leader.
        for outage in pdOutages {
            guard let end = outage.end, end > processStart else { continue }
            let arrival = end + (isLagging(at: end) ? Physics.laggingHeartbeatDelay : .zero)
            let cutoff = downSince.map { min($0, time) } ?? time
            if arrival <= cutoff, !pdOutages.contains(where: { $0.covers(arrival) }) { latest = max(latest, arrival) }
        }
        return latest
    }

    private func isLagging(at time: SimInstant) -> Bool {
        networkLagSince.map { $0 <= time } ?? false
    }

    /// The latest heartbeat due to arrive by `limit`, ignoring PD outages.
    private func scheduledBeat(atOrBefore limit: SimInstant) -> SimInstant {
        // The registration heartbeat at process start always counts.
        guard limit > processStart else { return processStart }
        let normal = Physics.storeHeartbeatInterval.nanoseconds
        func grid(upTo end: SimInstant) -> SimInstant {
            processStart + SimSpan(nanoseconds: max(0, (end - processStart).nanoseconds) / normal * normal)
        }
        guard let lag = networkLagSince else { return grid(upTo: limit) }
        let lagStart = max(lag, processStart)
        // The first tick after the lag began, arriving late; then one every 10 s + delay.
        let sinceStart = (lagStart - processStart).nanoseconds
        let firstTick = processStart + SimSpan(nanoseconds: (sinceStart + normal - 1) / normal * normal)
        let firstLagged = firstTick + Physics.laggingHeartbeatDelay
        guard limit >= firstLagged else { return grid(upTo: min(limit, lagStart)) }
        let lagged = normal + Physics.laggingHeartbeatDelay.nanoseconds
        return firstLagged + SimSpan(nanoseconds: (limit - firstLagged).nanoseconds / lagged * lagged)
    }

    /// PD's `state_name` rules (tikv-interfaces.md §1.2): Up → Disconnected after 20 s without a
    /// heartbeat → Down after max-store-down-time.
    func stateName(at time: SimInstant, pdOutages: [PDOutage], maxStoreDownTime: SimSpan) -> StoreStateName {
        let downTime = time - lastHeartbeat(at: time, pdOutages: pdOutages)
        if downTime > maxStoreDownTime { return .down }
        if downTime > Physics.storeDisconnectAfter { return .disconnected }
        return .up
    }

    /// When PD's replica checker removes this dead store's peers from their regions.
    func peerRemovalTime(maxStoreDownTime: SimSpan) -> SimInstant? {
        guard let heartbeat = heartbeatAtDeath, downSince != nil else { return nil }
        return heartbeat + maxStoreDownTime + Physics.peerRemovalDelay
    }

    /// How this store's peers look to their leaders and to PD at `time`.
    func peerPhase(at time: SimInstant, maxStoreDownTime: SimSpan, maxPeerDownDuration: SimSpan) -> PeerPhase {
        if let down = downSince, down <= time {
            if let removal = peerRemovalTime(maxStoreDownTime: maxStoreDownTime), time >= removal { return .removed }
            let silent = time - down
            if silent >= maxPeerDownDuration { return .down(since: down) }
            if silent >= Physics.pendingPeerAfter { return .pending }
            return .unnoticed
        }
        if isRestarted, time < processStart + Physics.peerCatchUp { return .catchingUp }
        if let since = pendingPeersSince, since <= time { return .catchingUp }
        return .healthy
    }

    /// Whether the store can hold region leadership as PD sees it: a dead store keeps its leaders
    /// until the raft election timeout passes; a restarted one gets leaders back once caught up.
    func canLead(at time: SimInstant) -> Bool {
        if let down = downSince, down <= time { return time < down + Physics.raftElectionTimeout }
        if let evicted = slowStoreEvictedAt, evicted <= time { return false }
        // A peer that has not caught up is never elected: its log is behind.
        if let since = pendingPeersSince, since <= time { return false }
        if isRestarted, time < processStart + Physics.peerCatchUp { return false }
        return true
    }

    /// When PD's evict-slow-store-scheduler takes this store's leaders: once its slow score reaches 100
    /// (`slowStoreEvictThreshold`, tikv-at-scale.md §3).
    var slowStoreEvictedAt: SimInstant? { slowStoreSince.map { $0 + Physics.slowStoreRamp } }

    /// PD's and TiKV's slow score: 1 when healthy, ramping to 100 under slow-disk (and, faster, slow-store).
    func slowScore(at time: SimInstant) -> Double {
        if let since = slowStoreSince {
            let progress = min(1, max(0, (time - since).seconds / Physics.slowStoreRamp.seconds))
            return max(1 + 99 * progress, diskSlowScore(at: time))
        }
        return diskSlowScore(at: time)
    }

    /// The slow score a slow disk alone gives: it is what slows the disk writes the histograms record.
    func diskSlowScore(at time: SimInstant) -> Double {
        if let since = slowDiskSince {
            let progress = min(1, max(0, (time - since).seconds / Physics.slowScoreRamp.seconds))
            return 1 + 99 * progress
        }
        if let lifted = slowDiskLifted {
            let progress = min(1, max(0, (time - lifted.at).seconds / Physics.slowScoreRamp.seconds))
            return lifted.score - (lifted.score - 1) * progress
        }
        return 1
    }

    /// Available bytes: normal usage, or under disk-full 15 % of capacity falling to 1 %.
    func availableBytes(at time: SimInstant, usedBytes: Double) -> Double {
        let normal = max(0, capacityBytes - usedBytes - capacityBytes * 0.05)
        guard let since = diskFullSince else { return normal }
        let progress = min(1, max(0, (time - since).seconds / Physics.diskFullRamp.seconds))
        return min(normal, capacityBytes * (0.15 - 0.14 * progress))
    }

    func isWriteStalled(at time: SimInstant) -> Bool {
        writeStallSince.map { $0 <= time } ?? false
    }

    func rejectsWritesForDiskFull(at time: SimInstant, usedBytes: Double) -> Bool {
        diskFullSince != nil && availableBytes(at: time, usedBytes: usedBytes) < capacityBytes * Physics.diskFullRejectRatio
    }
}

enum StoreStateName: String, Sendable {
    case up = "Up"
    case disconnected = "Disconnected"
    case down = "Down"
}

/// A peer's health as its region's leader reports it to PD.
enum PeerPhase: Equatable, Sendable {
    case healthy
    /// Dead, but not yet noticed: no check lists it.
    case unnoticed
    /// Lagging behind the leader's log.
    case pending
    /// Not answering for max-peer-down-duration: down and pending.
    case down(since: SimInstant)
    /// Removed from the region by PD after its store went Down.
    case removed
    /// Restarted and catching up (log or snapshot): pending.
    case catchingUp

    var isPending: Bool {
        switch self {
        case .pending, .down, .catchingUp: return true
        default: return false
        }
    }
}

/// A span in which PD had no leader: store heartbeats sent then failed.
struct PDOutage: Sendable {
    var start: SimInstant
    var end: SimInstant?

    func covers(_ time: SimInstant) -> Bool {
        time >= start && (end.map { time < $0 } ?? true)
    }
}
