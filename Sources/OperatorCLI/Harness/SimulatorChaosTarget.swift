import Foundation
import OperatorCore
import OperatorHarness
import TiKVSimulator

/// The embedded TiKV simulator as a chaos target: every simulated fault kind, injected over its API.
struct SimulatorChaosTarget: ChaosTarget {
    let simulator: TiKVSimulator
    let started: TiKVSimulatorEndpoints

    /// Starts a simulator (the demo's and the eval harness's default cluster).
    static func start(_ configuration: TiKVSimulatorConfiguration) async throws -> SimulatorChaosTarget {
        let simulator = TiKVSimulator(configuration: configuration)
        do {
            return SimulatorChaosTarget(simulator: simulator, started: try await simulator.start())
        } catch {
            throw CLIFailure("cannot start the TiKV simulator: \(error)")
        }
    }

    var subject: String { "tikv" }
    var endpoints: [String] { started.pdURLs }
    var prometheusURL: String? { nil }
    var faultKinds: [String] { SimulatedFaultKind.allCases.map(\.rawValue) }

    func defaultTarget(for kind: String) -> Entity {
        if kind == SimulatedFaultKind.pdLeaderDown.rawValue { return Entity(kind: "pd", id: "leader") }
        // The middle store: not the first PD contacts, not the last listed.
        let ids = started.stores.map(\.id).sorted()
        return Entity(kind: "store", id: String(ids[ids.count / 2]))
    }

    func inject(_ fault: FaultSpec) async throws {
        let kind = try SimulatedFaultKind.parse(fault.kind)
        _ = try await simulator.inject(kind, entity: fault.entity.description)
    }

    func lift(_ fault: FaultSpec) async throws {
        let kind = try SimulatedFaultKind.parse(fault.kind)
        _ = try await simulator.lift(kind, entity: fault.entity.description)
    }

    func stop() async { await simulator.stop() }
}
