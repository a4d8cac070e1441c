import Foundation
import Logging
import OperatorCore
import OperatorHTTP
import ServiceLifecycle
import SubjectTiKV
import Synchronization
import Testing
@testable import TiKVSimulator

/// A killed store's status listener closes; the monitor's liveness watch sees it and the signalled tick
/// tickets the store while PD (its clock frozen) still reports it Up. The regular schedule is an hour, so
/// the ticket can only come through the signal path: checked by the tick's trigger, not by timing.
@Suite("TiKV store kill through a liveness signal")
struct StoreKillSignalTests {
    @Test func aKilledStoreIsTicketedByTheSignalledTickBeforePDMarksItDisconnected() async throws {
        try await withSimulator { simulator, endpoints in
            var configuration = SubjectConfiguration(endpoints: [endpoints.pd])
            configuration.requestTimeout = .seconds(30)
            let subject = try TiKVSubject(configuration: configuration)
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("operator-signal-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let store = try SQLiteTicketStore(path: directory.appendingPathComponent("tickets.db").path)
            let reports = Mutex<[TickReport]>([])
            let monitor = MonitorService(
                subject: subject, store: store, configuration: MonitorConfiguration(interval: .seconds(3600), tickTimeout: .seconds(60)),
                logger: Logger(label: "test"), onTick: { r in reports.withLock { $0.append(r) } })
            let group = ServiceGroup(services: [monitor], logger: Logger(label: "test"))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                defer { tasks.cancelAll() }
                try await poll("the first tick") { reports.withLock { $0.count } >= 1 }
                #expect(reports.withLock { $0[0].violations.filter { $0.invariant == "store-down" } }.isEmpty)
                // The watch must hold store 2's connection before the kill, or there is nothing to lose.
                let status = try #require(endpoints.stores.first { $0.id == 2 }.flatMap { URL(string: $0.statusURL) })
                let (host, port) = (try #require(status.host), try #require(status.port))
                try await poll("the watch holds store 2's status connection") {
                    NodeConnectionWatch.heldConnections(to: host, port: port) == 1
                }
                try await simulator.inject(.storeDown, entity: "store:2")
                try await poll("a store-down ticket on store:2") {
                    reports.withLock { $0.contains { $0.outcome?.opened.contains { $0.invariant == "store-down" } == true } }
                }
                let ticketing = try #require(reports.withLock { $0.first { $0.outcome?.opened.contains { $0.invariant == "store-down" } == true } })
                #expect(ticketing.trigger.signal?.entity == Entity(kind: "store", id: "2"), "\(ticketing.trigger)")
                let violation = try #require(ticketing.violations.first { $0.invariant == "store-down" })
                #expect(violation.entity == Entity(kind: "store", id: "2"))
                #expect(violation.message.contains("does not answer") && violation.message.contains("PD still reports it Up, its heartbeat is"), "\(violation.message)")
                await group.triggerGracefulShutdown()
                try await tasks.next()
            }
        }
    }

    func poll(_ what: String, _ check: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(120)  // a hang guard, not a timing assertion
        while ContinuousClock.now < deadline {
            if try await check() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("never saw: \(what)")
    }
}
