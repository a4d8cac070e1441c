import Foundation
import Testing
@testable import OperatorCore

@Suite("Deployment fault vocabulary")
struct DeploymentFaultTests {
    let offers = [
        FaultOffer(kind: "kill", entityKinds: ["member"], summary: "SIGKILL", lift: "restart"),
        FaultOffer(kind: "slow-disk", entityKinds: ["store"], summary: "slow disk", lift: "lifted"),
        FaultOffer(kind: "leader-down", entityKinds: ["cluster", "pd"], summary: "leader stops"),
    ]

    @Test("an offer covers its kind on its entity kinds only")
    func matching() throws {
        #expect(try offers.offer(for: DeploymentFault(kind: "slow-disk", entity: "store:3"), backend: "sim").kind == "slow-disk")
        #expect(try offers.offer(for: DeploymentFault(kind: "leader-down", entity: .cluster), backend: "sim").kind == "leader-down")
        #expect(throws: UnsupportedFaultError.self) {
            try offers.offer(for: DeploymentFault(kind: "slow-disk", entity: "member:e1"), backend: "sim")
        }
    }

    @Test("an unsupported fault names itself, the backend and every offer")
    func refusalListsOffers() {
        let error = #expect(throws: UnsupportedFaultError.self) {
            try offers.offer(for: DeploymentFault(kind: "pause", entity: "member:e1"), backend: "process")
        }
        #expect(error?.description == "the process backend cannot inject pause on member:e1; it offers: kill member:<id>, slow-disk store:<id>, leader-down cluster|pd:<id> (see `operator chaos list`)")
    }

    @Test("lifting lists only the offers that can be lifted")
    func liftRefusal() {
        let error = #expect(throws: UnsupportedFaultError.self) {
            try offers.offer(for: DeploymentFault(kind: "leader-down", entity: .cluster), backend: "sim", lifting: true)
        }
        #expect(error?.description.contains("cannot lift leader-down on cluster; it offers: kill member:<id>, slow-disk store:<id> (") == true)
    }

    @Test("offers and fault control endpoints encode with snake_case keys and decode back")
    func codable() throws {
        let control = FaultControlEndpoint(
            injectURL: "http://127.0.0.1:1/inject", liftURL: "http://127.0.0.1:1/lift", offers: offers, aliases: ["kill": "store-down"])
        let data = try JSONEncoder.operatorEncoder.encode(control)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"inject_url\"") && text.contains("\"entity_kinds\""))
        #expect(try JSONDecoder().decode(FaultControlEndpoint.self, from: data) == control)
        #expect(control.controlKind(for: "kill") == "store-down")
        #expect(control.controlKind(for: "slow-disk") == "slow-disk")
    }

    @Test("a process plan written before fault control existed still decodes")
    func oldPlanDecodes() throws {
        let json = #"{"subject":"x","members":[],"installHint":"n/a"}"#
        let plan = try JSONDecoder().decode(ProcessClusterPlan.self, from: Data(json.utf8))
        #expect(plan.faultControl == nil)
        #expect(plan.installHint == "n/a")
    }
}
