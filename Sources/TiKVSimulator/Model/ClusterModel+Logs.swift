/// The log lines each event produces on the stores and PD members involved, in the message texts
/// TiKV and PD write (tikv-interfaces.md §3.2–§3.5). Events touching many regions log a sample of
/// them (`Physics.sampleLinesPerEvent` regions per store), not one line per region.
extension ClusterModel {
    func pdClientURL(_ index: Int) -> String {
        "\(configuration.tls == nil ? "http" : "https")://\(configuration.host):\(pd.members[index].clientPort)"
    }

    func statusAddress(ofStore index: Int) -> String {
        "\(configuration.host):\(stores[index].statusPort)"
    }

    private var pdEndpointList: String {
        pd.members.indices.map { pdClientURL($0) }.joined(separator: ",")
    }

    /// What every process logs once listening: stores find the PD leader, PD elects its first one.
    mutating func recordStartup(at time: SimInstant) {
        var lines: [SimulatedLogLine] = []
        if let leader = pd.leaderIndex {
            lines += pdLeaderLines(elected: leader, at: time)
        }
        let summary = summary(at: time)
        for store in stores {
            let file = SimulatedLogLine.File.store(store.id)
            lines.append(.init(file, at: time, .info, "util.rs:639", "connecting to PD endpoint", [("endpoints", pdEndpointList)]))
            if let leader = pd.leaderIndex {
                lines.append(.init(file, at: time, .info, "util.rs:766", "connected to PD member", [("endpoints", pdClientURL(leader))]))
            }
            lines.append(.init(file, at: time, .info, "util.rs:250", "all PD endpoints are consistent", [("endpoints", pdEndpointList)]))
            for (cohort, region) in sampleRegions(ledBy: store.index, in: summary, changedFrom: nil) {
                let peer = layout.peerID(region: region, slot: layout.preferredSlot(ofCohort: cohort), replacement: false)
                lines.append(electionLine(file, "became leader at term \(cohortTerms[cohort])", term: cohortTerms[cohort], peer: peer, region: region, at: time))
            }
        }
        schedule(lines)
    }

    /// Regions whose leader moved onto `store` between two summaries (or, with `changedFrom` nil,
    /// that `store` leads), at most `Physics.sampleLinesPerEvent`, spread over cohorts.
    func sampleRegions(ledBy store: Int, in after: ClusterSummary, changedFrom before: ClusterSummary?) -> [(cohort: Int, region: Int)] {
        var cohorts: [Int] = []
        for view in after.views where view.leader.storeIndex == store && layout.cohortRegions[view.cohort] > 0 {
            if let before, before.views[view.cohort].leader.storeIndex == store { continue }
            cohorts.append(view.cohort)
        }
        var samples: [(Int, Int)] = []
        var iterators = cohorts.map { ($0, layout.regionIndices(ofCohort: $0).makeIterator()) }
        while samples.count < Physics.sampleLinesPerEvent, !iterators.isEmpty {
            var next: [(Int, StrideToIterator<Int>)] = []
            for (cohort, var iterator) in iterators {
                guard samples.count < Physics.sampleLinesPerEvent else { break }
                if let region = iterator.next() {
                    samples.append((cohort, region))
                    next.append((cohort, iterator))
                }
            }
            iterators = next
        }
        return samples
    }

    private func electionLine(_ file: SimulatedLogLine.File, _ message: String, term: Int, peer: UInt64, region: Int, at time: SimInstant) -> SimulatedLogLine {
        SimulatedLogLine(
            file, at: time, .info, "raft.rs:1228", message,
            [("term", String(term)), ("raft_id", String(peer)), ("region_id", String(layout.regionID(region)))])
    }

    private func peerID(of view: CohortView, at position: Int, region: Int) -> UInt64 {
        let peer = view.peers[position]
        return layout.peerID(region: region, slot: peer.slot, replacement: peer.isReplacement)
    }

    /// Leader moves between two instants: the new leader campaigns (raft election after a store
    /// died) or receives a leader transfer (balance-leader once a restarted store caught up).
    mutating func scheduleLeaderChangeLogs(from before: ClusterSummary, to after: ClusterSummary, at time: SimInstant, transfer: Bool) {
        var lines: [SimulatedLogLine] = []
        for store in stores {
            for (cohort, region) in sampleRegions(ledBy: store.index, in: after, changedFrom: before) {
                let previousTerm = cohortTerms[cohort]
                let term = previousTerm + 1
                let newView = after.views[cohort]
                let oldView = before.views[cohort]
                let peer = peerID(of: newView, at: newView.leaderPosition, region: region)
                let file = SimulatedLogLine.File.store(store.id)
                let regionID = String(layout.regionID(region))
                if transfer {
                    let oldPeer = peerID(of: oldView, at: oldView.leaderPosition, region: region)
                    lines.append(.init(
                        .store(stores[oldView.leader.storeIndex].id), at: time, .info, "peer.rs:4512", "transfer leader",
                        [("peer", "id: \(peer) store_id: \(store.id)"), ("peer_id", String(oldPeer)), ("region_id", regionID)]))
                } else {
                    lines.append(.init(file, at: time, .info, "raft.rs:1410", "starting a new election",
                                       [("term", String(previousTerm)), ("raft_id", String(peer)), ("region_id", regionID)]))
                    lines.append(.init(file, at: time, .info, "raft.rs:1198", "became pre-candidate at term \(previousTerm)",
                                       [("term", String(previousTerm)), ("raft_id", String(peer)), ("region_id", regionID)]))
                    lines.append(.init(file, at: time, .info, "raft.rs:1173", "became candidate at term \(term)",
                                       [("term", String(term)), ("raft_id", String(peer)), ("region_id", regionID)]))
                }
                lines.append(electionLine(file, "became leader at term \(term)", term: term, peer: peer, region: region, at: time))
            }
        }
        // Every region whose leader changed starts a new term, sampled or not.
        for view in after.views where view.leader.storeIndex != before.views[view.cohort].leader.storeIndex {
            cohortTerms[view.cohort] += 1
        }
        schedule(lines)
    }

    /// A restarted store reconnects to PD; if it was down long enough for logs to be compacted its
    /// leaders send snapshots, which it applies, during catch-up.
    mutating func scheduleRestartLogs(ofStore index: Int, downFor: SimSpan, at time: SimInstant, restarted: Bool = true) {
        let store = stores[index]
        let file = SimulatedLogLine.File.store(store.id)
        var lines: [SimulatedLogLine] = []
        if restarted {
            // Every start of tikv-server prints its banner first (`components/server/src/lib.rs` log_tikv_info).
            lines += [
                .init(file, at: time, .info, "lib.rs:79", "Welcome to TiKV", []),
                .init(file, at: time, .info, "lib.rs:84", "Release Version:   \(configuration.tikvVersion)", []),
            ]
        }
        lines.append(.init(file, at: time, .info, "util.rs:639", "connecting to PD endpoint", [("endpoints", pdEndpointList)]))
        if let leader = pd.leaderIndex {
            lines.append(.init(file, at: time, .info, "util.rs:766", "connected to PD member", [("endpoints", pdClientURL(leader))]))
        }
        lines.append(.init(file, at: time, .info, "util.rs:250", "all PD endpoints are consistent", [("endpoints", pdEndpointList)]))
        let summary = summary(at: time)
        var samples: [(view: CohortView, region: Int, position: Int)] = []
        for view in summary.views where samples.count < Physics.sampleLinesPerEvent {
            guard let position = view.peers.firstIndex(where: { $0.storeIndex == index }) else { continue }
            for region in layout.regionIndices(ofCohort: view.cohort).prefix(2) where samples.count < Physics.sampleLinesPerEvent {
                samples.append((view, region, position))
            }
        }
        for sample in samples {
            let peer = peerID(of: sample.view, at: sample.position, region: sample.region)
            let term = cohortTerms[sample.view.cohort]
            lines.append(electionLine(file, "became follower at term \(term)", term: term, peer: peer, region: sample.region, at: time))
        }
        // Logs a few minutes old are usually compacted on the leader: the peer needs a snapshot.
        if downFor >= SimSpan.seconds(60) {
            let sendAt = time + SimSpan.seconds(2)
            let applyAt = time + SimSpan.seconds(4)
            for sample in samples {
                let leaderPeer = sample.view.leader
                guard leaderPeer.storeIndex != index else { continue }
                let leaderFile = SimulatedLogLine.File.store(stores[leaderPeer.storeIndex].id)
                let regionID = layout.regionID(sample.region)
                let term = cohortTerms[sample.view.cohort]
                let toPeer = peerID(of: sample.view, at: sample.position, region: sample.region)
                let fromPeer = peerID(of: sample.view, at: sample.view.leaderPosition, region: sample.region)
                let size = layout.sizeMiB(sample.region) * 1_048_576 / 2
                let snapKey = "\(regionID)_\(term)_\(1_000 + sample.region % 9_000)"
                lines.append(.init(leaderFile, at: sendAt, .info, "peer_storage.rs:548", "requesting snapshot",
                                   [("request_peer", String(toPeer)), ("request_index", "0"), ("region_id", String(regionID)), ("peer_id", String(fromPeer))]))
                lines.append(.init(leaderFile, at: sendAt, .info, "peer_storage.rs:583", "start sending snapshot",
                                   [("request_peer", String(toPeer)), ("region_id", String(regionID)), ("peer_id", String(fromPeer))]))
                lines.append(.init(leaderFile, at: sendAt + SimSpan.milliseconds(140), .info, "snap.rs:584", "sent snapshot",
                                   [("duration", "137.340853ms"), ("size", String(size)), ("snap_key", snapKey), ("region_id", String(regionID))]))
                lines.append(.init(file, at: applyAt, .info, "peer_storage.rs:905", "begin to apply snapshot",
                                   [("region_id", String(regionID)), ("peer_id", String(toPeer))]))
                lines.append(.init(file, at: applyAt + SimSpan.milliseconds(80), .info, "peer_storage.rs:944", "apply snapshot with state ok",
                                   [("for_witness", "false"), ("state", "applied_index: \(1_000 + sample.region % 9_000)"),
                                    ("region", "id: \(regionID)"), ("region_id", String(regionID)), ("peer_id", String(toPeer))]))
            }
        }
        schedule(lines)
    }

    /// While PD has no leader, store heartbeats fail.
    mutating func scheduleHeartbeatFailureLogs(at time: SimInstant) {
        var lines: [SimulatedLogLine] = []
        for store in stores where store.isProcessUp(at: time) {
            let file = SimulatedLogLine.File.store(store.id)
            lines.append(.init(file, at: time, .warn, "util.rs:598", "request failed, retry",
                               [("err", "Grpc(RpcFailure(RpcStatus { code: 14-UNAVAILABLE, message: \"not leader\" }))")]))
            lines.append(.init(file, at: time, .warn, "pd.rs:1423", "store heartbeat failed",
                               [("err", "Pd(Other(\"[components/pd_client/src/util.rs:599]: fail to request\"))")]))
        }
        schedule(lines)
    }

    /// A new PD leader: PD logs its campaign; every live store reconnects to it.
    mutating func recordPDElection(previous: Int?, elected: Int, at time: SimInstant) {
        var lines = pdLeaderLines(elected: elected, at: time)
        for index in stores.indices where stores[index].isProcessUp(at: time) {
            let file = SimulatedLogLine.File.store(stores[index].id)
            lines.append(.init(file, at: time, .info, "client.rs:142", "update pd client",
                               [("prev_leader", previous.map { pdClientURL($0) } ?? ""), ("leader", pdClientURL(elected)), ("via", "")]))
            lines.append(.init(file, at: time, .info, "util.rs:766", "connected to PD member", [("endpoints", pdClientURL(elected))]))
            lines.append(.init(file, at: time, .info, "util.rs:339", "trying to update PD client done", [("spend", "1.804ms")]))
            counters[index].pdReconnectSuccess += 1
        }
        schedule(lines)
    }

    private func pdLeaderLines(elected: Int, at time: SimInstant) -> [SimulatedLogLine] {
        let member = pd.members[elected]
        let file = SimulatedLogLine.File.pd(member.name)
        return [
            .init(file, at: time, .info, "server.go:1683", "start to campaign PD leader", [("campaign-leader-name", member.name)]),
            .init(file, at: time, .info, "server.go:1700", "leader election succeeded, start leader ready process",
                  [("leader-name", member.name)]),
            .init(file, at: time, .info, "server.go:1760", "PD leader is ready to serve", [("leader-name", member.name)]),
        ]
    }

    /// Periodic WARN lines while a store's disk or network is slow, tagged so lifting cancels them.
    mutating func scheduleSlownessLogs(ofStore index: Int, kind: SimulatedFaultKind, from time: SimInstant) {
        let store = stores[index]
        let file = SimulatedLogLine.File.store(store.id)
        let tag = "\(kind.rawValue)/store:\(store.id)"
        var lines: [SimulatedLogLine] = []
        for beat in 1...30 {
            let at = time + Physics.storeHeartbeatInterval * Int64(beat)
            switch kind {
            case .slowDisk:
                // A slow disk stalls raftstore's write loop: slow_log lines with takes=<ms>.
                let takes = 1_200 + (beat * 137) % 900
                lines.append(.init(file, at: at, .warn, "store.rs:1104",
                                   "[store \(store.id)] handle 12 pending peers include 12 ready, 37 entries, 24 messages and 0 snapshots",
                                   [("takes", String(takes))], tag: tag))
                if beat >= 3 {
                    lines.append(.init(file, at: at, .warn, "pd.rs:2189", "scheduling store_heartbeat timeout, force report store slow score to pd.",
                                       [("store_id", String(store.id))], tag: tag))
                }
            case .networkLag:
                let takes = 1_050 + (beat * 211) % 700
                let region = layout.regionID((Int(store.index) + beat * layout.storeCount) % layout.regionCount)
                lines.append(.init(file, at: at, .warn, "scheduler.rs:1327",
                                   "[region \(region)] scheduler handle command: prewrite, ts: \(440_000_000_000_000 + beat)",
                                   [("takes", String(takes))], tag: tag))
            case .pendingPeers:
                // A snapshot arrives and its apply begins, and never finishes (tikv-interfaces.md §3.3).
                let region = layout.regionID((Int(store.index) + beat * layout.storeCount) % layout.regionCount)
                lines.append(.init(file, at: at, .info, "peer_storage.rs:905", "begin to apply snapshot",
                                   [("region_id", String(region)), ("peer_id", String(UInt64(region) + 1))], tag: tag))
            case .networkPartition:
                // Cut off from PD and its peers: every heartbeat fails (tikv-interfaces.md §3.5).
                lines.append(.init(file, at: at, .warn, "pd.rs:1423", "store heartbeat failed",
                                   [("err", "Grpc(RpcFailure(RpcStatus { code: 4-DEADLINE_EXCEEDED, message: \"Deadline Exceeded\" }))")], tag: tag))
                lines.append(.init(file, at: at, .warn, "util.rs:598", "request failed, retry",
                                   [("err", "Grpc(RpcFailure(RpcStatus { code: 14-UNAVAILABLE, message: \"failed to connect to all addresses\" }))")], tag: tag))
            case .writeStall:
                // Stalled writes: the scheduler's slow-command lines, each held for seconds.
                let takes = 2_100 + (beat * 173) % 1_800
                let region = layout.regionID((Int(store.index) + beat * layout.storeCount) % layout.regionCount)
                lines.append(.init(file, at: at, .warn, "scheduler.rs:1327",
                                   "[region \(region)] scheduler handle command: prewrite, ts: \(440_000_000_000_000 + beat)",
                                   [("takes", String(takes))], tag: tag))
            default:
                break
            }
        }
        schedule(lines)
    }
}
