/// The simulated cluster's whole state: PD's clock, stores, PD members, faults and counters.
///
/// A value type guarded by one lock (`SimulatedCluster`). Anything PD or a store would report is
/// derived from it at the instant of a request; only monotonic counters are integrated over time,
/// by `advance(to:)`, in steps of at most one PD second.
struct ClusterModel: Sendable {
    let configuration: TiKVSimulatorConfiguration
    let layout: RegionLayout
    let clusterID: UInt64
    let bootstrapTime: SimInstant
    let maxStoreDownTime: SimSpan
    let maxPeerDownDuration: SimSpan
    private(set) var clock: SimulationClock
    var stores: [StoreTimeline]
    var pd: PDMembership
    var counters: [StoreCounters]
    var qps: Double
    private(set) var lastAdvanced: SimInstant
    /// Raft term of each cohort's regions; bumps on every leader change (for log lines).
    var cohortTerms: [Int]
    /// Log lines for events that happen later on PD's clock, in time order.
    var scheduledLogs: [SimulatedLogLine] = []
    /// Log lines due and not yet written to files.
    var logOutbox: [SimulatedLogLine] = []
    var activeFaults: [SimulatedFault] = []
    /// pd-leader-switch: when the current PD leader's lease next expires.
    var pdLeaderSwitchNext: SimInstant?

    static let mebibyte = 1_048_576.0
    /// Share of region data size that lands on disk (RocksDB compression).
    static let onDiskRatio = 0.5

    init(configuration: TiKVSimulatorConfiguration) {
        self.configuration = configuration
        clock = SimulationClock(timeScale: configuration.timeScale)
        let start = clock.now()
        layout = RegionLayout(
            regionCount: configuration.regions, storeCount: configuration.stores,
            maxReplicas: configuration.maxReplicas, seed: configuration.seed)
        let totalSize = Double(layout.cohortSizeMiB.reduce(0, +))
        let usedPerStore = totalSize * Double(layout.replicas) / Double(configuration.stores)
            * ClusterModel.mebibyte * ClusterModel.onDiskRatio
        // Disks sized so data fills about a third of them, at least 100 GiB.
        let capacity = configuration.storeCapacityBytes ?? max(100 * 1_073_741_824, (usedPerStore * 3).rounded())
        stores = (0..<configuration.stores).map {
            StoreTimeline(index: $0, clusterStart: start, capacityBytes: capacity)
        }
        pd = PDMembership(count: configuration.pdMembers, seed: configuration.seed, start: start)
        clusterID = RegionLayout.mix(configuration.seed ^ 0x7E11_C1A5) & 0x6FFF_FFFF_FFFF_FFFF
        bootstrapTime = start
        maxStoreDownTime = .seconds(configuration.maxStoreDownTime)
        maxPeerDownDuration = .seconds(configuration.maxPeerDownDuration)
        counters = [StoreCounters](repeating: StoreCounters(), count: configuration.stores)
        qps = configuration.qps
        lastAdvanced = start
        cohortTerms = [Int](repeating: 6, count: layout.cohortCount)
    }

    // MARK: Time

    /// The earliest scheduled change a running fault makes by itself (a restart loop's kill or start, a
    /// PD leader stepping down).
    func nextFaultTransition() -> SimInstant? {
        [nextRestartLoopTransition(), pdLeaderSwitchNext].compactMap { $0 }.min()
    }

    mutating func applyFaultTransitions(upTo time: SimInstant) {
        applyRestartLoopTransitions(upTo: time)
        applyPDLeaderSwitches(upTo: time)
    }

    /// PD time now, with counters and due log lines brought up to it.
    ///
    /// Counters grow per wall-clock second, not per PD second: whoever computes a rate from two
    /// scrapes (Prometheus, the TiKV subject) divides by wall time, so the configured QPS and CPU
    /// read the same at any time scale. Timeouts, heartbeats and state changes run on PD time.
    mutating func now() -> SimInstant {
        let time = max(clock.now(), lastAdvanced)
        advance(to: time, counterSecondsPerPDSecond: configuration.timeScale > 0 ? 1 / configuration.timeScale : 1)
        return time
    }

    /// Jumps PD time forward (tests, `simulate` control); the physics runs through the gap, and
    /// counters grow as if that time had passed at the normal pace.
    mutating func skip(_ span: SimSpan) {
        _ = now()
        clock.skip(span)
        advance(to: max(clock.now(), lastAdvanced), counterSecondsPerPDSecond: 1)
    }

    mutating func advance(to target: SimInstant, counterSecondsPerPDSecond: Double = 1) {
        guard target > lastAdvanced else {
            releaseDueLogs(upTo: target)
            return
        }
        // Steps of one PD second, coarser for long jumps: rates are piecewise constant between
        // events anyway, and a 30-minute jump must stay cheap at 100 stores.
        let total = (target - lastAdvanced).nanoseconds
        let maxSteps: Int64 = 300
        let step = max(SimSpan.seconds(1).nanoseconds, total / maxSteps + 1)
        var cache = CDFCache()
        while lastAdvanced < target {
            var next = min(target, lastAdvanced + SimSpan(nanoseconds: step))
            // A restart-loop kill or restart lands exactly at its instant, so the process's life matches PD's view.
            if let transition = nextFaultTransition(), transition > lastAdvanced, transition < next { next = transition }
            if let election = pd.electIfDue(at: next) {
                recordPDElection(previous: election.previous, elected: election.elected, at: election.at)
            }
            let summary = summary(at: next)
            let seconds = (next - lastAdvanced).seconds * counterSecondsPerPDSecond
            let liveLeaders = liveLeaderCount(summary)
            for index in stores.indices where stores[index].isProcessUp(at: next) {
                counters[index].integrate(activity(ofStore: index, summary: summary, liveLeaders: liveLeaders), seconds: seconds, cache: &cache)
            }
            lastAdvanced = next
            applyFaultTransitions(upTo: next)
        }
        releaseDueLogs(upTo: target)
    }

    private mutating func releaseDueLogs(upTo time: SimInstant) {
        guard let first = scheduledLogs.first, first.time <= time else { return }
        let due = scheduledLogs.prefix { $0.time <= time }
        logOutbox.append(contentsOf: due)
        scheduledLogs.removeFirst(due.count)
    }

    mutating func schedule(_ lines: [SimulatedLogLine]) {
        guard !lines.isEmpty else { return }
        scheduledLogs.append(contentsOf: lines)
        scheduledLogs.sort { $0.time < $1.time }
        releaseDueLogs(upTo: lastAdvanced)
    }

    mutating func cancelScheduledLogs(tag: String) {
        scheduledLogs.removeAll { $0.tag == tag }
    }

    mutating func drainLogOutbox() -> [SimulatedLogLine] {
        defer { logOutbox.removeAll(keepingCapacity: true) }
        return logOutbox
    }

    // MARK: Derived state

    func summary(at time: SimInstant) -> ClusterSummary {
        let views = (0..<layout.cohortCount).map { cohortView($0, at: time) }
        var summary = ClusterSummary(time: time, views: views, layout: layout)
        for store in stores { summary.regionCount[store.index] += store.splitStormRegions(at: time) }
        return summary
    }

    func cohortView(_ cohort: Int, at time: SimInstant) -> CohortView {
        CohortView.compute(
            cohort: cohort, layout: layout, stores: stores, at: time,
            maxStoreDownTime: maxStoreDownTime, maxPeerDownDuration: maxPeerDownDuration)
    }

    func lastHeartbeat(ofStore index: Int, at time: SimInstant) -> SimInstant {
        stores[index].lastHeartbeat(at: time, pdOutages: pd.outages)
    }

    func stateName(ofStore index: Int, at time: SimInstant) -> StoreStateName {
        stores[index].stateName(at: time, pdOutages: pd.outages, maxStoreDownTime: maxStoreDownTime)
    }

    func usedBytes(ofStore index: Int, summary: ClusterSummary) -> Double {
        let data = Double(summary.regionSizeMiB[index]) * ClusterModel.mebibyte * ClusterModel.onDiskRatio
        let store = stores[index]
        let available = store.availableBytes(at: summary.time, usedBytes: data)
        // Under disk-full something else fills the disk; "used" is what is not available.
        return max(data, store.capacityBytes * 0.95 - available)
    }

    func availableBytes(ofStore index: Int, summary: ClusterSummary) -> Double {
        let data = Double(summary.regionSizeMiB[index]) * ClusterModel.mebibyte * ClusterModel.onDiskRatio
        return stores[index].availableBytes(at: summary.time, usedBytes: data)
    }

    /// Leaders held by stores whose process runs: the load clients can reach.
    func liveLeaderCount(_ summary: ClusterSummary) -> Int {
        stores.indices.filter { stores[$0].isProcessUp(at: summary.time) }.reduce(0) { $0 + summary.leaderCount[$1] }
    }

    /// A store's request rates, latencies and CPU at the summary's instant.
    func activity(ofStore index: Int, summary: ClusterSummary, liveLeaders: Int? = nil) -> StoreActivity {
        var activity = StoreActivity()
        let time = summary.time
        let store = stores[index]
        guard store.isProcessUp(at: time) else { return activity }
        let liveLeaders = liveLeaders ?? liveLeaderCount(summary)
        let leaders = summary.leaderCount[index]
        // Clients follow region leaders: a store serves load in proportion to the leaders it holds.
        let share = liveLeaders > 0 ? Double(leaders) / Double(liveLeaders) : 0
        let storeQPS = qps * share
        let hotWrite = store.hotWriteSince.map { $0 <= time } ?? false
        let networkLag = store.networkLagSince.map { $0 <= time } ?? false
        let writeStall = store.isWriteStalled(at: time)
        let splitStorm = store.splitStormRegions(at: time) > 0
        // A slow disk slows what completes; a slow store (hung I/O) mostly has requests that do not complete.
        let slowness = (store.diskSlowScore(at: time) - 1) / 99
        let rejectWrites = store.rejectsWritesForDiskFull(
            at: time, usedBytes: Double(summary.regionSizeMiB[index]) * ClusterModel.mebibyte * ClusterModel.onDiskRatio)
        for type in GRPCMessageType.allCases {
            var rate = storeQPS * type.loadShare
            if hotWrite { rate += max(3_000, qps) * type.hotWriteShare }
            activity.grpcQPS[type.rawValue] = rate
            var median = type.baseMedianSeconds
            if hotWrite { median *= 3 }
            // Each request waits behind the ticks of tens of thousands of peers on a busy raftstore.
            if splitStorm { median *= Physics.splitStormLatencyFactor }
            if type.isWrite {
                median += 0.6 * slowness
                if networkLag { median += 0.08 }
                if rejectWrites { activity.grpcFailRate[type.rawValue] = rate }
                if writeStall {
                    // RocksDB holds writes for seconds; the scheduler turns a share away as ServerIsBusy.
                    median += Physics.writeStallDelaySeconds
                    let busy = rate * Physics.writeStallBusyShare
                    activity.grpcFailRate[type.rawValue] += busy
                    activity.schedulerBusyPerSecond += busy
                }
            } else {
                median *= 1 + slowness
                if networkLag { median += 0.02 }
            }
            activity.grpcLatency[type.rawValue] = LogNormal(median: median)
        }
        activity.writesRejectedForDiskFull = rejectWrites
        let writes = activity.writeQPS
        activity.raftOpsPerSecond = 2 + writes
        activity.appendLatency = LogNormal(median: 0.0006 + 0.45 * slowness)
        activity.commitLatency = LogNormal(median: 0.0015 + 0.6 * slowness + (networkLag ? 0.08 : 0))
        // Apply writes into the stalled KV RocksDB: it slows too, less than the client's write path.
        activity.applyLatency = LogNormal(median: 0.0004 + 0.35 * slowness + (writeStall ? 0.02 : 0))
        activity.writeStalled = writeStall
        activity.logLagObservationsPerSecond = max(0.5, Double(leaders) / Physics.logLagObserveInterval)
        activity.logLag = networkLag ? LogNormal(median: 3_000, sigma: 0.5) : LogNormal(median: 1, sigma: 0.8)
        activity.regionHeartbeatsPerSecond = Double(leaders) / Physics.regionHeartbeatInterval
        for other in stores where other.index != index && !other.isProcessUp(at: time) {
            activity.unreachablePerSecond[other.id] = 1
        }
        var cores = 0.08 + activity.totalQPS * 0.000_35 + writes * 0.000_25 + activity.raftOpsPerSecond * 0.000_05
        if hotWrite {
            cores += 1.6
            activity.raftstoreCPUBoost = 1.2
        }
        if splitStorm {
            activity.proposeWait = LogNormal(median: Physics.splitStormProposeWaitSeconds)
            cores += Physics.splitStormRaftstoreCores
            activity.raftstoreCPUBoost += Physics.splitStormRaftstoreCores
        }
        activity.cpuCores = min(cores, Physics.cpuCoresQuota * 0.97)
        return activity
    }

    // MARK: Faults

    mutating func killStore(_ index: Int, at time: SimInstant) {
        let before = summary(at: time)
        stores[index].heartbeatAtDeath = lastHeartbeat(ofStore: index, at: time)
        stores[index].downSince = time
        let electedAt = time + Physics.raftElectionTimeout
        let after = summary(at: electedAt + SimSpan(nanoseconds: 1))
        scheduleLeaderChangeLogs(from: before, to: after, at: electedAt, transfer: false)
    }

    mutating func restartStore(_ index: Int, at time: SimInstant) {
        rejoin(index, at: time, restarted: true)
    }

    /// The store is back in the cluster: a new process (`restarted`: start time and counters reset, start
    /// banner) or the same one whose network came back (a healed partition).
    mutating func rejoin(_ index: Int, at time: SimInstant, restarted: Bool) {
        guard let down = stores[index].downSince else { return }
        stores[index].pastOutages.append((from: down, to: time))
        stores[index].downSince = nil
        stores[index].heartbeatAtDeath = nil
        if restarted {
            stores[index].processStart = time
            counters[index] = StoreCounters()
        }
        scheduleRestartLogs(ofStore: index, downFor: time - down, at: time, restarted: restarted)
        let caughtUp = time + Physics.peerCatchUp
        let before = summary(at: caughtUp - SimSpan(nanoseconds: 1))
        let after = summary(at: caughtUp)
        scheduleLeaderChangeLogs(from: before, to: after, at: caughtUp, transfer: true)
    }

    mutating func pdMemberDown(_ index: Int, at time: SimInstant) {
        let wasLeader = pd.leaderIndex == index
        pd.memberDown(index, at: time)
        if wasLeader { scheduleHeartbeatFailureLogs(at: time + SimSpan.seconds(1)) }
    }

    mutating func pdMemberUp(_ index: Int, at time: SimInstant) {
        pd.memberUp(index, at: time)
    }
}
