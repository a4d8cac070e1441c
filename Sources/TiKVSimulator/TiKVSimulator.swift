import Hummingbird
import Logging

/// An embedded TiKV cluster simulator — a test and demo harness, not a database.
///
/// It serves PD's HTTP API on one port per PD member and each store's TiKV status server
/// (`/status`, `/metrics`) on a port of its own, on loopback, with the wire shapes real PD and TiKV
/// produce (tikv-interfaces.md §1–§4). Faults can be injected and lifted while it runs, from code
/// or through the control endpoint under `/simulator/v1/` on the first PD member's port.
///
/// Call `stop()` when done: it closes every port.
public actor TiKVSimulator {
    public nonisolated let configuration: TiKVSimulatorConfiguration
    private nonisolated let logger: Logger
    private var cluster: SimulatedCluster?
    private var pdListeners: [Int: HTTPListener] = [:]
    private var storeListeners: [Int: HTTPListener] = [:]
    private var pdPorts: [Int: Int] = [:]
    private var storePorts: [Int: Int] = [:]
    /// Ports of dead PD members and stores, held until they start again (see ``PortReservation``).
    private var pdReservations: [Int: PortReservation] = [:]
    private var storeReservations: [Int: PortReservation] = [:]
    private var physicsTask: Task<Void, Never>?
    private var logWriter: SimulatedLogWriter?
    public private(set) var endpoints: TiKVSimulatorEndpoints?

    public init(configuration: TiKVSimulatorConfiguration = TiKVSimulatorConfiguration(), logger: Logger? = nil) {
        self.configuration = configuration
        self.logger = logger ?? Logger(label: "tikv-simulator")
    }

    // MARK: Lifecycle

    /// Builds the cluster and opens every port; returns where PD members and stores listen.
    @discardableResult
    public func start() async throws(TiKVSimulatorError) -> TiKVSimulatorEndpoints {
        guard cluster == nil else { throw .alreadyRunning }
        try configuration.validate()
        let startedAt = ContinuousClock.now
        let cluster = SimulatedCluster(configuration: configuration)
        self.cluster = cluster
        do {
            if let directory = configuration.logDirectory {
                logWriter = try SimulatedLogWriter(directory: directory)
            }
            try await openAllListeners(cluster: cluster)
        } catch {
            await stop()
            throw error
        }
        cluster.read { model, now in model.recordStartup(at: now) }
        startPhysics(cluster: cluster)
        // A large scheduler series (~20 MB from ~180 stores) is compressed ahead of the first gzipped
        // scrape of PD's /metrics, which would otherwise wait seconds for it.
        if cluster.pdSchedulerSeries.storeIDs.count > 180 {
            Task.detached(priority: .background) { _ = cluster.pdSchedulerSeriesDeflated }
        }
        let endpoints = cluster.read { model, _ in
            TiKVSimulatorEndpoints(
                pdURLs: model.pd.members.indices.map { model.pdClientURL($0) },
                stores: model.stores.map { .init(id: $0.id, statusURL: "\(configuration.tls == nil ? "http" : "https")://\(model.statusAddress(ofStore: $0.index))") },
                controlURL: model.pdClientURL(0),
                logDirectory: configuration.logDirectory)
        }
        self.endpoints = endpoints
        logger.info("TiKV simulator (test and demo harness) started", metadata: [
            "pd": "\(endpoints.pdURLs.joined(separator: ","))",
            "stores": "\(configuration.stores)",
            "regions": "\(configuration.regions)",
            "time_scale": "\(configuration.timeScale)",
            "start_seconds": "\((ContinuousClock.now - startedAt).components.seconds)",
        ])
        return endpoints
    }

    /// Closes every port and stops the physics loop; pending log lines are written first.
    public func stop() async {
        physicsTask?.cancel()
        physicsTask = nil
        for listener in pdListeners.values { await listener.stop() }
        for listener in storeListeners.values { await listener.stop() }
        pdListeners.removeAll()
        storeListeners.removeAll()
        pdReservations.removeAll()
        storeReservations.removeAll()
        if let cluster { logWriter?.flush(from: cluster) }
        logWriter?.close()
        logWriter = nil
        if cluster != nil {
            logger.info("TiKV simulator (test and demo harness) stopped")
        }
        cluster = nil
        endpoints = nil
    }

    /// What a listener serves: a PD member's client port or a store's status port.
    private enum ListenerRole: Sendable {
        case pd(Int)
        case store(Int)
    }

    /// Opens every PD and store port at once (a hundred stores bind in parallel, not one by one).
    private func openAllListeners(cluster: SimulatedCluster) async throws(TiKVSimulatorError) {
        let roles = (0..<configuration.pdMembers).map { ListenerRole.pd($0) } + (0..<configuration.stores).map { ListenerRole.store($0) }
        let results = await withTaskGroup(of: (ListenerRole, Result<HTTPListener, TiKVSimulatorError>).self) { group in
            for role in roles {
                let port: Int
                switch role {
                case .pd(let index): port = configuration.port == 0 ? 0 : configuration.port + index
                case .store(let index): port = configuration.port == 0 ? 0 : configuration.port + configuration.pdMembers + index
                }
                group.addTask { (role, await self.startListener(role, port: port, cluster: cluster)) }
            }
            var results: [(ListenerRole, Result<HTTPListener, TiKVSimulatorError>)] = []
            for await result in group { results.append(result) }
            return results
        }
        var firstError: TiKVSimulatorError?
        for (role, result) in results {
            switch result {
            case .success(let listener): record(listener, as: role, cluster: cluster)
            case .failure(let error): firstError = firstError ?? error
            }
        }
        if let firstError { throw firstError }
    }

    private nonisolated func startListener(_ role: ListenerRole, port: Int, cluster: SimulatedCluster) async -> Result<HTTPListener, TiKVSimulatorError> {
        let router = Router()
        let name: String
        switch role {
        case .pd(let index):
            name = "pd\(index + 1)"
            PDRoutes(cluster: cluster, memberIndex: index).register(on: router)
            if index == 0 { ControlRoutes(simulator: self).register(on: router) }
        case .store(let index):
            name = "tikv\(index + 1)"
            StoreStatusRoutes(cluster: cluster, storeIndex: index).register(on: router)
        }
        do {
            return .success(try await HTTPListener.start(
                name: name, host: configuration.host, port: port, router: router, tls: configuration.tls, logger: logger))
        } catch {
            return .failure(error)
        }
    }

    private func record(_ listener: HTTPListener, as role: ListenerRole, cluster: SimulatedCluster) {
        switch role {
        case .pd(let index):
            pdListeners[index] = listener
            pdPorts[index] = listener.port
            cluster.read { model, _ in model.pd.members[index].clientPort = listener.port }
        case .store(let index):
            storeListeners[index] = listener
            storePorts[index] = listener.port
            cluster.read { model, _ in model.stores[index].statusPort = listener.port }
        }
    }

    private func openPDListener(_ index: Int, port: Int, cluster: SimulatedCluster) async throws(TiKVSimulatorError) {
        pdReservations[index] = nil
        let listener = try await startListener(.pd(index), port: port, cluster: cluster).get()
        record(listener, as: .pd(index), cluster: cluster)
    }

    private func openStoreListener(_ index: Int, port: Int, cluster: SimulatedCluster) async throws(TiKVSimulatorError) {
        storeReservations[index] = nil
        let listener = try await startListener(.store(index), port: port, cluster: cluster).get()
        record(listener, as: .store(index), cluster: cluster)
    }

    /// The store's process dies: its status port closes (connections refused) and stays reserved for it.
    private func closeStoreListener(_ index: Int) async {
        guard let listener = storeListeners.removeValue(forKey: index) else { return }
        await listener.stop()
        storeReservations[index] = PortReservation(port: listener.port)
    }

    /// Advances the physics on a wall-clock tick, so counters move and due log lines reach their
    /// files even when nobody is asking.
    private func startPhysics(cluster: SimulatedCluster) {
        let interval = configuration.tickInterval
        let writer = logWriter
        physicsTask = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                await self.followRestartLoops(cluster: cluster)
                if let writer {
                    writer.flush(from: cluster)
                } else {
                    // No log directory: advance the physics and drop the lines.
                    _ = cluster.read { model, _ in model.drainLogOutbox() }
                }
            }
        }
    }

    private func runningCluster() throws(TiKVSimulatorError) -> SimulatedCluster {
        guard let cluster else { throw .notRunning }
        return cluster
    }

    // MARK: Faults

    /// Injects a fault: `store-down`, `disk-full`, `slow-disk`, `hot-write`, `network-lag` take
    /// `store:<id>`; `pd-leader-down` takes `cluster`, `pd:leader` or the leader's `pd:<name>`.
    @discardableResult
    public func inject(_ kind: SimulatedFaultKind, entity: String) async throws(TiKVSimulatorError) -> SimulatedFault {
        let cluster = try runningCluster()
        let target = try SimulatedFaultTarget.parse(entity, for: kind)
        let fault: SimulatedFault
        switch target {
        case .store(let id):
            let index = try cluster.withModel { model, _ throws(TiKVSimulatorError) in try model.storeIndex(ofID: id) }
            let entity = "store:\(id)"
            let alreadyActive = cluster.read { model, _ in model.activeFault(kind, entity: entity) != nil }
            if alreadyActive { throw .faultAlreadyActive(kind, entity: entity) }
            if kind == .storeDown {
                // The process dies: the port closes first, then PD stops hearing from it.
                await closeStoreListener(index)
                fault = cluster.read { model, now in
                    model.killStore(index, at: now)
                    return model.recordFault(kind, entity: entity, at: now)
                }
            } else {
                fault = cluster.read { model, now in
                    model.setStoreCondition(kind, store: index, active: true, at: now)
                    return model.recordFault(kind, entity: entity, at: now)
                }
            }
        case .cluster:
            let alreadyActive = cluster.read { model, _ in model.activeFault(kind, entity: "cluster") != nil }
            if alreadyActive { throw .faultAlreadyActive(kind, entity: "cluster") }
            fault = cluster.read { model, now in
                model.setPDLeaderSwitch(active: true, at: now)
                return model.recordFault(kind, entity: "cluster", at: now)
            }
        case .pdLeader, .pdMember:
            let index: Int = try cluster.withModel { model, _ throws(TiKVSimulatorError) in
                let names = model.pd.members.map(\.name)
                let leader = model.pd.leaderIndex
                if case .pdMember(let name) = target {
                    guard let member = model.pd.members.first(where: { $0.name == name }) else {
                        throw .unknownPDMember(name, known: names)
                    }
                    guard member.index == leader else { throw .notPDLeader(name, leader: leader.map { names[$0] }) }
                }
                guard let leader else { throw .notPDLeader("leader", leader: nil) }
                guard leader != 0 else { throw .controlPortWouldClose(names[0]) }
                return leader
            }
            if let listener = pdListeners.removeValue(forKey: index) {
                await listener.stop()
                pdReservations[index] = PortReservation(port: listener.port)
            }
            fault = cluster.read { model, now in
                let entity = "pd:\(model.pd.members[index].name)"
                model.pdMemberDown(index, at: now)
                return model.recordFault(kind, entity: entity, at: now)
            }
        }
        logger.notice("TiKV simulator: fault injected", metadata: ["kind": "\(kind)", "entity": "\(fault.entity)"])
        return fault
    }

    /// Lifts a fault injected earlier: a killed store or PD member starts again on its old port.
    @discardableResult
    public func lift(_ kind: SimulatedFaultKind, entity: String) async throws(TiKVSimulatorError) -> SimulatedFault {
        let cluster = try runningCluster()
        let target = try SimulatedFaultTarget.parse(entity, for: kind)
        let activeList = cluster.read { model, _ in model.activeFaults.map { "\($0.kind) \($0.entity)" } }
        let lifted: SimulatedFault
        switch target {
        case .store(let id):
            let index = try cluster.withModel { model, _ throws(TiKVSimulatorError) in try model.storeIndex(ofID: id) }
            let entity = "store:\(id)"
            guard cluster.read({ model, _ in model.activeFault(kind, entity: entity) != nil }) else {
                throw .faultNotActive(kind, entity: entity, active: activeList)
            }
            if kind == .storeDown {
                try await openStoreListener(index, port: storePorts[index] ?? 0, cluster: cluster)
                lifted = try cluster.withModel { model, now throws(TiKVSimulatorError) in
                    model.restartStore(index, at: now)
                    guard let fault = model.removeFault(kind, entity: entity) else { throw .faultNotActive(kind, entity: entity, active: activeList) }
                    return fault
                }
            } else {
                lifted = try cluster.withModel { model, now throws(TiKVSimulatorError) in
                    model.setStoreCondition(kind, store: index, active: false, at: now)
                    guard let fault = model.removeFault(kind, entity: entity) else { throw .faultNotActive(kind, entity: entity, active: activeList) }
                    return fault
                }
                // A restart loop lifted while its process was dead: the process runs again, so does its port.
                if kind == .restartLoop, storeListeners[index] == nil {
                    try await openStoreListener(index, port: storePorts[index] ?? 0, cluster: cluster)
                }
            }
        case .cluster:
            lifted = try cluster.withModel { model, now throws(TiKVSimulatorError) in
                guard let fault = model.removeFault(kind, entity: "cluster") else { throw .faultNotActive(kind, entity: "cluster", active: activeList) }
                model.setPDLeaderSwitch(active: false, at: now)
                return fault
            }
        case .pdLeader, .pdMember:
            let candidates = cluster.read { model, _ in model.activeFaults.filter { $0.kind == .pdLeaderDown } }
            let chosen: SimulatedFault?
            if case .pdMember(let name) = target {
                chosen = candidates.first { $0.entity == "pd:\(name)" }
            } else {
                chosen = candidates.last
            }
            guard let chosen else { throw .faultNotActive(kind, entity: entity, active: activeList) }
            let name = String(chosen.entity.dropFirst("pd:".count))
            let index = cluster.read { model, _ in model.pd.members.firstIndex { $0.name == name } ?? -1 }
            guard index >= 0 else { throw .unknownPDMember(name, known: []) }
            try await openPDListener(index, port: pdPorts[index] ?? 0, cluster: cluster)
            lifted = try cluster.withModel { model, now throws(TiKVSimulatorError) in
                model.pdMemberUp(index, at: now)
                guard let fault = model.removeFault(kind, entity: chosen.entity) else {
                    throw .faultNotActive(kind, entity: chosen.entity, active: activeList)
                }
                return fault
            }
        }
        logger.notice("TiKV simulator: fault lifted", metadata: ["kind": "\(kind)", "entity": "\(lifted.entity)"])
        return lifted
    }

    // MARK: Load, clock, state

    /// Background client load over the whole cluster, in requests per second.
    public func setLoad(qps: Double) throws(TiKVSimulatorError) {
        guard qps >= 0, qps.isFinite else { throw .invalidConfiguration(field: "qps", reason: "must be ≥ 0, got \(qps)") }
        try runningCluster().read { model, _ in model.qps = qps }
    }

    /// Jumps PD time forward by `seconds`; heartbeats, state transitions and counters follow as if
    /// the time had passed.
    public func advanceClock(bySeconds seconds: Double) async throws(TiKVSimulatorError) {
        guard seconds >= 0, seconds.isFinite, seconds <= 30 * 86_400 else {
            throw .invalidConfiguration(field: "clock advance", reason: "must be 0…2592000 seconds, got \(seconds)")
        }
        let cluster = try runningCluster()
        cluster.read { model, _ in model.skip(.seconds(seconds)) }
        await followRestartLoops(cluster: cluster)
        logWriter?.flush(from: cluster)
    }

    /// Stores under restart-loop die and come back inside the physics; their status ports follow: closed
    /// while the process is dead (connections refused, as for a killed tikv-server), open on the same port
    /// once it runs again. Only looping stores are touched, so store-down keeps its own listener handling.
    private func followRestartLoops(cluster: SimulatedCluster) async {
        let looping = cluster.read { model, now in
            model.stores.filter { model.activeFault(.restartLoop, entity: "store:\($0.id)") != nil }.map { ($0.index, $0.isProcessUp(at: now)) }
        }
        for (index, up) in looping {
            if !up, storeListeners[index] != nil {
                await closeStoreListener(index)
            } else if up, storeListeners[index] == nil {
                do { try await openStoreListener(index, port: storePorts[index] ?? 0, cluster: cluster) } catch {
                    logger.warning("TiKV simulator: could not reopen a restarted store's status port", metadata: ["store_index": "\(index)", "error": "\(error)"])
                }
            }
        }
    }

    public func state() throws(TiKVSimulatorError) -> SimulatorStateReport {
        let cluster = try runningCluster()
        let counts = cluster.requests.all
        let bytes = cluster.requests.allBytes
        return cluster.read { model, now in model.stateReport(at: now, requestCounts: counts, requestBytes: bytes) }
    }

    /// PD time now, in seconds since the Unix epoch.
    func pdClockSeconds() throws(TiKVSimulatorError) -> Double {
        try runningCluster().read { _, now in now.seconds }
    }

    /// How many requests reached `path` (e.g. `/pd/api/v1/regions`) on any PD member.
    public func requestCount(path: String) -> Int {
        cluster?.requests.count(path) ?? 0
    }

    /// Writes due log lines now (the physics loop otherwise does so every tick).
    public func flushLogs() {
        guard let cluster else { return }
        logWriter?.flush(from: cluster)
    }
}
