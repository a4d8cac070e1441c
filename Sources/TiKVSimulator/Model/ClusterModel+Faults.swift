/// Fault bookkeeping and the state report, on the model.
extension ClusterModel {
    func storeIndex(ofID id: UInt64) throws(TiKVSimulatorError) -> Int {
        guard let index = stores.firstIndex(where: { $0.id == id }) else {
            throw .unknownStore(id, known: stores.map(\.id))
        }
        return index
    }

    func activeFault(_ kind: SimulatedFaultKind, entity: String) -> SimulatedFault? {
        activeFaults.first { $0.kind == kind && $0.entity == entity }
    }

    mutating func recordFault(_ kind: SimulatedFaultKind, entity: String, at time: SimInstant) -> SimulatedFault {
        let fault = SimulatedFault(kind: kind, entity: entity, injectedAt: GoFormat.rfc3339Nano(time))
        activeFaults.append(fault)
        return fault
    }

    mutating func removeFault(_ kind: SimulatedFaultKind, entity: String) -> SimulatedFault? {
        guard let index = activeFaults.firstIndex(where: { $0.kind == kind && $0.entity == entity }) else { return nil }
        return activeFaults.remove(at: index)
    }

    /// Applies or lifts one of the faults that only change a store's physics (no listener moves).
    mutating func setStoreCondition(_ kind: SimulatedFaultKind, store index: Int, active: Bool, at time: SimInstant) {
        let tag = "\(kind.rawValue)/store:\(stores[index].id)"
        switch kind {
        case .diskFull:
            stores[index].diskFullSince = active ? time : nil
        case .slowDisk:
            if active {
                stores[index].slowDiskSince = time
                stores[index].slowDiskLifted = nil
                scheduleSlownessLogs(ofStore: index, kind: .slowDisk, from: time)
            } else {
                let score = stores[index].slowScore(at: time)
                stores[index].slowDiskSince = nil
                stores[index].slowDiskLifted = (at: time, score: score)
                cancelScheduledLogs(tag: tag)
            }
        case .hotWrite:
            stores[index].hotWriteSince = active ? time : nil
        case .networkLag:
            stores[index].networkLagSince = active ? time : nil
            if active {
                scheduleSlownessLogs(ofStore: index, kind: .networkLag, from: time)
            } else {
                cancelScheduledLogs(tag: tag)
            }
        case .writeStall:
            stores[index].writeStallSince = active ? time : nil
            if active {
                scheduleSlownessLogs(ofStore: index, kind: .writeStall, from: time)
            } else {
                cancelScheduledLogs(tag: tag)
            }
        case .restartLoop:
            setRestartLoop(store: index, active: active, at: time)
        case .slowStore:
            setSlowStore(store: index, active: active, at: time)
        case .pendingPeers:
            let before = summary(at: time)
            stores[index].pendingPeersSince = active ? time : nil
            scheduleLeaderChangeLogs(from: before, to: summary(at: time), at: time, transfer: true)
            if active {
                scheduleSlownessLogs(ofStore: index, kind: .pendingPeers, from: time)
            } else {
                cancelScheduledLogs(tag: tag)
            }
        case .tooManyRegions:
            // No log lines: the reference names no line a store writes for its region count.
            stores[index].tooManyRegionsSince = active ? time : nil
        case .networkPartition:
            if active {
                // Cut off: to PD and the peers it is as good as dead; the process and its status port run on.
                killStore(index, at: time)
                scheduleSlownessLogs(ofStore: index, kind: .networkPartition, from: time)
            } else {
                cancelScheduledLogs(tag: tag)
                rejoin(index, at: time, restarted: false)
            }
        case .storeDown, .pdLeaderDown, .pdLeaderSwitch:
            break
        }
    }

    func stateReport(at time: SimInstant, requestCounts: [String: Int], requestBytes: [String: Int]) -> SimulatorStateReport {
        let summary = summary(at: time)
        return SimulatorStateReport(
            pdTime: GoFormat.rfc3339Nano(time),
            timeScale: configuration.timeScale,
            qps: qps,
            regions: layout.regionCount,
            pdLeader: pd.leader?.name,
            pdMembers: pd.members.map {
                .init(name: $0.name, memberID: $0.memberID, clientURL: pdClientURL($0.index), up: $0.downSince == nil,
                      leader: pd.leaderIndex == $0.index)
            },
            stores: stores.map { store in
                .init(
                    id: store.id, statusURL: "http://\(statusAddress(ofStore: store.index))",
                    processUp: store.isProcessUp(at: time),
                    stateName: stateName(ofStore: store.index, at: time).rawValue,
                    regionCount: summary.regionCount[store.index], leaderCount: summary.leaderCount[store.index],
                    availableRatio: (availableBytes(ofStore: store.index, summary: summary) / store.capacityBytes * 1_000).rounded() / 1_000,
                    slowScore: store.slowScore(at: time).rounded())
            },
            regionChecks: [
                "miss-peer": summary.missPeerRegions, "down-peer": summary.downPeerRegions,
                "pending-peer": summary.pendingPeerRegions, "empty-region": summary.emptyRegions,
            ],
            faults: activeFaults,
            knownFaultKinds: SimulatedFaultKind.allCases.map(\.rawValue),
            requestCounts: requestCounts, requestBytes: requestBytes)
    }
}
