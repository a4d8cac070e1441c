@testable import DeployLocal
import Foundation
import OperatorCore
import SubjectTiKV
import Testing

/// How the compose backend names and reports the TiKV stack's members: PD members by name, stores by the
/// ids PD gave them, each matched to its container through the address PD lists.
@Suite("Compose members of the TiKV stack")
struct ComposeMembersTests {
    static var plan: ComposeClusterPlan {
        get throws { try TiKVComposeRecipe.plan(DeploymentOptions(stateDirectory: "/x")) }
    }

    static func container(_ service: String, _ status: String = "running", health: String? = "healthy", exit: Int = 0)
        -> ComposeContainer
    {
        ComposeContainer(
            id: "id-\(service)", name: "operator-tikv-\(service)-1", service: service, status: status, exitCode: exit,
            health: health)
    }

    static var everythingUp: [ComposeContainer] {
        ["pd0", "pd1", "pd2", "tikv0", "tikv1", "tikv2", "prometheus", "grafana"].map { container($0) }
    }

    /// PD's store list (tikv-interfaces.md §1.2): store ids unrelated to the container numbers.
    static let stores = [
        DirectoryMember(entity: "store:1", address: "tikv2:20160", service: "tikv2", state: "Up"),
        DirectoryMember(entity: "store:4", address: "tikv0:20160", service: "tikv0", state: "Up"),
        DirectoryMember(entity: "store:5", address: "tikv1:20160", service: "tikv1", state: "Up"),
    ]

    @Test func storesAreReportedUnderPDsIdsAndPDMembersByName() throws {
        let members = ComposeMembers(plan: try Self.plan, containers: Self.everythingUp, listed: Self.stores).statuses()
        #expect(members.map(\.entity) == ["pd:pd0", "pd:pd1", "pd:pd2", "store:1", "store:4", "store:5"])
        #expect(members.allSatisfy { $0.state == .healthy }, "\(members)")
        let store1 = members.first { $0.entity == "store:1" }
        #expect(store1?.container == "operator-tikv-tikv2-1")
        #expect(store1?.endpoint == "tikv2:20160")
        #expect(store1?.detail == "running (healthy); cluster reports Up")
    }

    @Test func aKilledStoreIsStoppedEvenWhilePDStillSaysUp() throws {
        let containers = Self.everythingUp.map {
            $0.service == "tikv0" ? Self.container("tikv0", "exited", health: "unhealthy", exit: 137) : $0
        }
        let members = ComposeMembers(
            plan: try Self.plan, containers: containers, listed: Self.stores,
            notes: ["store:4": "killed by chaos kill (docker kill operator-tikv-tikv0-1) at 2026-11-23T10:00:00Z"]
        ).statuses()
        let store4 = members.first { $0.entity == "store:4" }
        #expect(store4?.state == .stopped)
        #expect(store4?.detail?.contains("exited with status 137 (killed)") == true, "\(store4?.detail ?? "")")
        #expect(store4?.detail?.contains("chaos kill") == true)
        #expect(store4?.detail?.contains("cluster reports Up") == true)
    }

    @Test func aStorePDCallsDisconnectedIsUnhealthy() throws {
        var stores = Self.stores
        stores[2].state = "Disconnected"
        let members = ComposeMembers(plan: try Self.plan, containers: Self.everythingUp, listed: stores).statuses()
        #expect(members.first { $0.entity == "store:5" }?.state == .unhealthy)
    }

    @Test func withoutPDTheTiKVContainersAreReportedByNameWithTheReason() throws {
        let members = ComposeMembers(
            plan: try Self.plan, containers: Self.everythingUp, directoryProblem: "request failed (connection refused)"
        ).statuses()
        #expect(members.map(\.entity) == ["pd:pd0", "pd:pd1", "pd:pd2", "tikv:tikv0", "tikv:tikv1", "tikv:tikv2"])
        #expect(members.first { $0.entity == "tikv:tikv1" }?.detail?.contains("connection refused") == true)
    }

    @Test func entitiesMapToServices() throws {
        let members = ComposeMembers(plan: try Self.plan, containers: Self.everythingUp, listed: Self.stores)
        #expect(try members.service(of: "store:1") == "tikv2")
        #expect(try members.service(of: "store:4") == "tikv0")
        #expect(try members.service(of: "pd:pd1") == "pd1")
        #expect(try members.service(of: "tikv:tikv2") == "tikv2")
        #expect(throws: DeploymentError.unknownMember(
            "store:9",
            known: ["pd:pd0", "pd:pd1", "pd:pd2", "store:1", "store:4", "store:5", "tikv:tikv0", "tikv:tikv1", "tikv:tikv2"])
        ) {
            try members.service(of: "store:9")
        }
        #expect(throws: DeploymentError.self) { try members.service(of: "member:e1") }
    }

    @Test func aStoreWhoseHostIsNoServiceIsExplained() throws {
        let stray = [DirectoryMember(entity: "store:7", address: "10.0.0.7:20160", service: "10.0.0.7", state: "Up")]
        let members = ComposeMembers(plan: try Self.plan, containers: Self.everythingUp, listed: stray)
        let error = #expect(throws: ComposeError.self) { try members.service(of: "store:7") }
        guard case .addressWithoutService(let entity, let address, _)? = error else {
            Issue.record("got \(String(describing: error))")
            return
        }
        #expect(entity == "store:7" && address == "10.0.0.7:20160")
    }

    @Test func whenPDCannotBeAskedAStoreCannotBeFoundAndTheErrorSaysWhy() throws {
        let members = ComposeMembers(plan: try Self.plan, containers: Self.everythingUp, directoryProblem: "connection refused")
        let error = #expect(throws: ComposeError.self) { try members.service(of: "store:1") }
        #expect(error == .memberDirectory(url: "http://127.0.0.1:2379/pd/api/v1/stores", reason: "connection refused"))
    }

    /// `docker inspect` output as Docker 20.10 prints it (trimmed to the fields read).
    @Test func inspectOutputDecodes() throws {
        let text = """
            [{"Id":"be000793e389","Name":"/probe_e2_1","State":{"Status":"exited","Running":false,"OOMKilled":false,
              "ExitCode":137,"Health":{"Status":"unhealthy","FailingStreak":0,"Log":[]}},
              "Config":{"Labels":{"com.docker.compose.project":"probe","com.docker.compose.service":"e2",
              "com.docker.compose.oneoff":"False","com.docker.compose.version":"1.29.2"}}},
             {"Id":"aa","Name":"/probe_e1_run_1","State":{"Status":"running","ExitCode":0},
              "Config":{"Labels":{"com.docker.compose.service":"e1","com.docker.compose.oneoff":"True"}}},
             {"Id":"bb","Name":"/other","State":{"Status":"running"},"Config":{"Labels":null}}]
            """
        let containers = try ComposeContainer.decodeInspect(text)
        #expect(containers.count == 2, "the unlabelled container is skipped")
        #expect(containers[0] == ComposeContainer(
            id: "be000793e389", name: "probe_e2_1", service: "e2", status: "exited", exitCode: 137, health: "unhealthy"))
        #expect(containers[0].stateDescription == "exited with status 137 (killed)")
        #expect(containers[1].isOneOff)
    }
}
