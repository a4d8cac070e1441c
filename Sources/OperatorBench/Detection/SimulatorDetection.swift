import Foundation
import OperatorCore
import OperatorHTTP
import SubjectTiKV
import TiKVSimulator

/// The TiKV half of the event-driven check, on the simulator in this process: store kills (the store's
/// status listener closes; PD keeps it Up until 20 s without a heartbeat) timed to the `store-down`
/// ticket by a polling-only and an event-driven monitor, and the CPU cost of holding one idle connection
/// to each of many stores.
public struct SimulatorDetectionReport: Encodable, Sendable {
    public struct Kill: Encodable, Sendable {
        var index: Int
        var store: String
        var pollingSeconds: Double?
        var eventSeconds: Double?
        var eventSignalled: Bool
        /// The event-driven ticket said PD still reported the store Up (seen before PD marked it).
        var beforePD: Bool
        var message: String?

        enum CodingKeys: String, CodingKey {
            case index, store, message
            case pollingSeconds = "polling_seconds"
            case eventSeconds = "event_driven_seconds"
            case eventSignalled = "event_driven_signalled"
            case beforePD = "before_pd"
        }
    }

    public struct IdleCost: Encodable, Sendable {
        var stores: Int
        var heldConnections: Int
        var seconds: Double
        /// CPU seconds of this process (simulator included) over the window, without and with the watch.
        var cpuWithoutWatch: Double
        var cpuWithWatch: Double

        enum CodingKeys: String, CodingKey {
            case stores, seconds
            case heldConnections = "held_connections"
            case cpuWithoutWatch = "cpu_seconds_without_watch"
            case cpuWithWatch = "cpu_seconds_with_watch"
        }
    }

    var kills: [Kill]
    var polling: LatencySummary
    var eventDriven: LatencySummary
    var idle: IdleCost?

    enum CodingKeys: String, CodingKey {
        case kills, polling, idle
        case eventDriven = "event_driven"
    }
}

extension DetectionBenchmark {
    func simulatorRun() async throws -> SimulatorDetectionReport? {
        guard options.simulatorKills > 0 || options.idleStores > 0 else { return nil }
        var kills: [SimulatorDetectionReport.Kill] = []
        if options.simulatorKills > 0 {
            kills = try await withSimulator(stores: 3) { simulator, endpoints in try await self.storeKills(simulator, endpoints) }
        }
        var idle: SimulatorDetectionReport.IdleCost?
        if options.idleStores > 0 {
            idle = try await withSimulator(stores: options.idleStores) { _, endpoints in try await self.idleCost(endpoints) }
        }
        return SimulatorDetectionReport(
            kills: kills, polling: LatencySummary(measured: kills.map(\.pollingSeconds)),
            eventDriven: LatencySummary(measured: kills.map(\.eventSeconds)), idle: idle)
    }

    private func withSimulator<T: Sendable>(
        stores: Int, _ body: (TiKVSimulator, TiKVSimulatorEndpoints) async throws -> T
    ) async throws -> T {
        var configuration = TiKVSimulatorConfiguration()
        configuration.port = 0
        configuration.stores = stores
        configuration.regions = max(30, stores * 10)
        let simulator = TiKVSimulator(configuration: configuration, logger: logger)
        let endpoints = try await simulator.start()
        do {
            let result = try await body(simulator, endpoints)
            await simulator.stop()
            return result
        } catch {
            await simulator.stop()
            throw error
        }
    }

    private func subject(_ endpoints: TiKVSimulatorEndpoints) throws -> TiKVSubject {
        try TiKVSubject(configuration: SubjectConfiguration(endpoints: endpoints.pdURLs, logger: logger))
    }

    private func storeKills(_ simulator: TiKVSimulator, _ endpoints: TiKVSimulatorEndpoints) async throws -> [SimulatorDetectionReport.Kill] {
        progress("TiKV simulator: \(options.simulatorKills) store kills, polling-only and event-driven monitors at \(DurationText.format(options.interval))")
        let directory = try WorkDirectory(prefix: "operator-bench-simulator").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let polling = TicketWatch()
        let events = EventDrivenMonitor(store: try SQLiteTicketStore(path: directory + "/events.db"))
        let pollingStore = try SQLiteTicketStore(path: directory + "/polling.db")
        let pollingMonitor = MonitorService(
            subject: try subject(endpoints), store: pollingStore,
            configuration: MonitorConfiguration(interval: options.interval, policy: Self.policy, livenessSignals: false), logger: logger,
            onTick: { polling.record($0) })
        let eventMonitor = MonitorService(
            subject: try subject(endpoints), store: events.store,
            configuration: MonitorConfiguration(interval: options.interval, policy: Self.policy, livenessSignals: true), logger: logger,
            onTick: { events.watch.record($0) })
        let statusTargets = endpoints.stores.compactMap { URL(string: $0.statusURL) }.compactMap { u in u.host.map { ($0, u.port ?? 0) } }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await pollingMonitor.run() }
            group.addTask { try await eventMonitor.run() }
            defer { group.cancelAll() }
            try await waitFor("the event-driven monitor holds every store's status connection", within: options.recoveryTimeout) {
                statusTargets.allSatisfy { NodeConnectionWatch.heldConnections(to: $0.0, port: $0.1) >= 1 }
                    && polling.latestTick != nil && events.watch.latestTick != nil
            }
            var kills: [SimulatorDetectionReport.Kill] = []
            for index in 1...options.simulatorKills {
                let id = endpoints.stores[(index - 1) % endpoints.stores.count].id
                let entity = Entity(kind: "store", id: String(id))
                let key = ViolationKey(invariant: "store-down", entity: entity)
                let killed = ContinuousClock.now
                try await simulator.inject(.storeDown, entity: entity.description)
                var polled: TicketWatch.Change?
                var evented: TicketWatch.Change?
                let deadline = killed + options.killTimeout
                while (polled == nil || evented == nil) && ContinuousClock.now < deadline {
                    polled = polled ?? polling.opened(key, after: killed)
                    evented = evented ?? events.watch.opened(key, after: killed)
                    try await Task.sleep(for: .milliseconds(10))
                }
                let message = try await events.store.tickets(TicketFilter.open).first { $0.key == key }?.message
                let kill = SimulatorDetectionReport.Kill(
                    index: index, store: entity.description, pollingSeconds: polled.map { ($0.arrived - killed).seconds },
                    eventSeconds: evented.map { ($0.arrived - killed).seconds }, eventSignalled: evented?.trigger.signal != nil,
                    beforePD: message?.contains("PD still reports it Up") == true, message: message)
                kills.append(kill)
                progress(
                    "  store kill \(index)/\(options.simulatorKills) \(entity): polling \(kill.pollingSeconds.map { BenchFormat.duration($0) } ?? "timeout"), event-driven \(kill.eventSeconds.map { BenchFormat.duration($0) } ?? "timeout")\(kill.eventSignalled ? " (signal)" : "")")
                try await simulator.lift(.storeDown, entity: entity.description)
                try await waitFor("\(entity) back and both tickets resolved", within: options.recoveryTimeout) {
                    polling.resolved(key, after: killed) != nil && events.watch.resolved(key, after: killed) != nil
                        && statusTargets.allSatisfy { NodeConnectionWatch.heldConnections(to: $0.0, port: $0.1) >= 1 }
                }
            }
            return kills
        }
    }

    private func idleCost(_ endpoints: TiKVSimulatorEndpoints) async throws -> SimulatorDetectionReport.IdleCost {
        let seconds = options.idleDuration
        progress("TiKV simulator: \(options.idleStores) stores idle for \(DurationText.format(seconds)) without, then with, the liveness watch")
        let subject = try subject(endpoints)
        guard let source = subject.liveness else { throw Failure(description: "the TiKV subject offers no liveness source") }
        let before = ProcessUsage.cpuSeconds()
        try await Task.sleep(for: seconds)
        let without = ProcessUsage.cpuSeconds() - before
        let watch = Task { await source.watch { _ in } }
        defer { watch.cancel() }
        let expected = endpoints.stores.count + endpoints.pdURLs.count
        try await waitFor("the watch holds \(expected) connections", within: options.recoveryTimeout) {
            NodeConnectionWatch.heldConnections >= expected
        }
        let held = NodeConnectionWatch.heldConnections
        let start = ProcessUsage.cpuSeconds()
        try await Task.sleep(for: seconds)
        let with = ProcessUsage.cpuSeconds() - start
        return SimulatorDetectionReport.IdleCost(
            stores: endpoints.stores.count, heldConnections: held, seconds: seconds.seconds, cpuWithoutWatch: without, cpuWithWatch: with)
    }

    private func waitFor(_ what: String, within: Duration, _ check: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + within
        while ContinuousClock.now < deadline {
            if try await check() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw Failure(description: "never saw: \(what) within \(DurationText.format(within))")
    }
}
