import AsyncHTTPClient
import Foundation
import NIOCore
import Testing
@testable import TiKVSimulator

/// The control endpoint and its client, as `operator simulate fault|lift|status` uses them.
@Suite("Control endpoint")
struct ControlEndpointTests {
    @Test("Inject, read state, lift, set load and advance the clock through HTTP")
    func roundTrip() async throws {
        try await withSimulator { _, endpoints in
            let client = TiKVSimulatorControlClient(baseURL: endpoints.controlURL)
            let initial = try await client.state()
            #expect(initial.stores.count == 3 && initial.pdMembers.count == 3)
            #expect(initial.pdLeader == "pd3")
            #expect(initial.knownFaultKinds == SimulatedFaultKind.allCases.map(\.rawValue))

            let fault = try await client.inject(.storeDown, entity: "store:2")
            #expect(fault.kind == .storeDown && fault.entity == "store:2")
            let state = try await client.advanceClock(bySeconds: 25)
            #expect(state.faults == [fault])
            #expect(state.stores.first { $0.id == 2 }?.stateName == "Disconnected")
            #expect(state.stores.first { $0.id == 2 }?.processUp == false)

            let loaded = try await client.setLoad(qps: 250)
            #expect(loaded.qps == 250)
            let lifted = try await client.lift(.storeDown, entity: "store:2")
            #expect(lifted == fault)
            #expect(try await client.state().faults.isEmpty)
        }
    }

    @Test("Errors name the problem: unknown kind lists the kinds, bad entity says what to write, conflicts and unknown stores")
    func errors() async throws {
        try await withSimulator { _, endpoints in
            let url = endpoints.controlURL + "/simulator/v1/faults/inject"
            func post(_ body: String) async throws -> (Int, String) {
                var request = HTTPClientRequest(url: url)
                request.method = .POST
                request.body = .bytes(ByteBuffer(string: body))
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
                let bytes = try await response.body.collect(upTo: 1 << 20)
                let status = Int(response.status.code)
                guard status >= 400 else { return (status, "") }
                let error = try JSONDecoder().decode(SimulatorErrorBody.self, from: Data(bytes.readableBytesView))
                return (status, error.error)
            }
            let unknownKind = try await post(#"{"kind":"meteor-strike","entity":"store:1"}"#)
            #expect(unknownKind.0 == 400)
            #expect(unknownKind.1.contains("known kinds: store-down, disk-full, slow-disk, hot-write, pd-leader-down, network-lag"))
            let badEntity = try await post(#"{"kind":"disk-full","entity":"node-2"}"#)
            #expect(badEntity.0 == 400 && badEntity.1.contains("write store:<id>"))
            let unknownStore = try await post(#"{"kind":"disk-full","entity":"store:42"}"#)
            #expect(unknownStore.0 == 404 && unknownStore.1.contains("store:1, store:2, store:3"))
            let malformed = try await post("not json")
            #expect(malformed.0 == 400 && malformed.1.contains("request body"))
            _ = try await post(#"{"kind":"hot-write","entity":"store:1"}"#)
            let twice = try await post(#"{"kind":"hot-write","entity":"store:1"}"#)
            #expect(twice.0 == 409 && twice.1.contains("already in effect"))
        }
    }

    @Test("The client explains a port where no simulator answers, or where something else does")
    func clientErrors() async throws {
        // A port nothing listens on: a stopped simulator's.
        let stopped = TiKVSimulator()
        let endpoints = try await stopped.start()
        let deadURL = endpoints.controlURL
        await stopped.stop()
        let dead = await Task { try await TiKVSimulatorControlClient(baseURL: deadURL).state() }.result
        #expect(throws: TiKVSimulatorError.self) { try dead.get() }
        if case .failure(let error) = dead {
            #expect("\(error)".contains("no TiKV simulator answers at \(deadURL)"), "\(error)")
        }

        try await withSimulator { _, endpoints in
            let notControl = try #require(endpoints.stores.first?.statusURL)
            let wrong = await Task { try await TiKVSimulatorControlClient(baseURL: notControl).state() }.result
            if case .failure(let error) = wrong {
                #expect(error as? TiKVSimulatorError == .notASimulator(url: notControl + "/simulator/v1/state", status: 404))
            } else {
                Issue.record("a store's status port is not a simulator control endpoint")
            }
        }
    }
}
