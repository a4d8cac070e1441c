import Foundation
import Logging
import ServiceLifecycle
import Testing
@testable import TiKVSimulator

/// Starting and stopping: every port opens, and every port closes again.
@Suite("Lifecycle")
struct LifecycleTests {
    @Test("stop() closes every PD and store port")
    func stopClosesPorts() async throws {
        let simulator = TiKVSimulator()
        let endpoints = try await simulator.start()
        let urls = endpoints.pdURLs + endpoints.stores.map(\.statusURL)
        #expect(Set(urls).count == 6, "one port per PD member and per store")
        for url in urls { #expect(!refusesConnections(url)) }
        await simulator.stop()
        for url in urls { #expect(refusesConnections(url), "\(url) still accepts connections") }
        await #expect(throws: TiKVSimulatorError.notRunning) { try await simulator.inject(.diskFull, entity: "store:1") }
    }

    @Test("Bad configurations are refused with the field and the reason")
    func configurationErrors() async throws {
        var configuration = TiKVSimulatorConfiguration()
        configuration.maxReplicas = 7
        await #expect(throws: TiKVSimulatorError.invalidConfiguration(field: "max replicas", reason: "must be 1…5, got 7")) {
            try await TiKVSimulator(configuration: configuration).start()
        }
        configuration = TiKVSimulatorConfiguration()
        configuration.host = "0.0.0.0"
        await #expect(throws: TiKVSimulatorError.self) { try await TiKVSimulator(configuration: configuration).start() }
        // Beyond what simulated time (Int64 nanoseconds) holds: refused by name instead of trapping later.
        configuration = TiKVSimulatorConfiguration()
        configuration.maxStoreDownTime = 1e12
        await #expect(throws: TiKVSimulatorError.self) { try await TiKVSimulator(configuration: configuration).start() }
        configuration = TiKVSimulatorConfiguration()
        configuration.qps = .infinity
        await #expect(throws: TiKVSimulatorError.invalidConfiguration(field: "qps", reason: "must be 0…10000000, got inf")) {
            try await TiKVSimulator(configuration: configuration).start()
        }
    }

    @Test("A busy port gives an error naming it")
    func busyPort() async throws {
        try await withSimulator { _, endpoints in
            let taken = try #require(URLComponents(string: endpoints.pd)?.port)
            var configuration = TiKVSimulatorConfiguration()
            configuration.pdMembers = 1
            configuration.stores = 1
            configuration.port = taken
            let second = TiKVSimulator(configuration: configuration)
            do {
                try await second.start()
                await second.stop()
                Issue.record("binding a taken port must fail")
            } catch {
                #expect("\(error)".contains("127.0.0.1:\(taken)"), "\(error)")
            }
            #expect(!refusesConnections(endpoints.pd), "the first simulator keeps its port")
        }
    }

    @Test("As a ServiceLifecycle service it starts, reports its endpoints, and stops on graceful shutdown")
    func service() async throws {
        let (started, continuation) = AsyncStream<TiKVSimulatorEndpoints>.makeStream()
        var configuration = TiKVSimulatorConfiguration()
        configuration.stores = 2
        let service = TiKVSimulatorService(simulator: TiKVSimulator(configuration: configuration)) { endpoints in
            continuation.yield(endpoints)
        }
        let group = ServiceGroup(configuration: .init(services: [service], logger: Logger(label: "test")))
        let running = Task { try await group.run() }
        var endpoints: TiKVSimulatorEndpoints?
        for await first in started {
            endpoints = first
            break
        }
        let reported = try #require(endpoints)
        #expect(reported.stores.count == 2)
        #expect(try await httpGet(reported.pd + "/pd/api/v1/ping").status == 200)
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(refusesConnections(reported.pd))
        #expect(reported.stores.allSatisfy { refusesConnections($0.statusURL) })
    }
}
