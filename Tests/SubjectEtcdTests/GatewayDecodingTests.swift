import Foundation
import Testing

@testable import SubjectEtcd

@Suite("etcd gateway JSON")
struct GatewayDecodingTests {
    @Test("uint64 ids arrive as decimal strings and map to the hex of metric labels")
    func idMapping() throws {
        #expect(EtcdMemberID(decimal: "6969278951715654196")?.hex == GatewayFixtures.e1)
        #expect(EtcdMemberID(decimal: "119572451437286717")?.hex == GatewayFixtures.e2)
        #expect(EtcdMemberID(decimal: "15313379895863577081")?.hex == GatewayFixtures.e3)
        #expect(EtcdMemberID(hex: "D4840DE1AB8E89F9")?.decimal == "15313379895863577081")
        #expect(EtcdMemberID(hex: "0x1a8ce82d4d7953d") == EtcdMemberID(decimal: "119572451437286717"))
        #expect(EtcdMemberID(hex: "") == nil && EtcdMemberID(hex: "xyz") == nil && EtcdMemberID(hex: "1" + GatewayFixtures.e3) == nil)
        #expect(EtcdMemberID(decimal: "18446744073709551616") == nil, "one past UInt64.max")
        // Snapshots carry the hex spelling and read it back.
        let id = try #require(EtcdMemberID(hex: GatewayFixtures.e3))
        let data = try JSONEncoder().encode([id])
        #expect(String(decoding: data, as: UTF8.self) == #"["\#(GatewayFixtures.e3)"]"#)
        #expect(try JSONDecoder().decode([EtcdMemberID].self, from: data) == [id])
    }

    @Test("the member list decodes, with omitted isLearner meaning false")
    func memberList() throws {
        let list = try EtcdMemberListResponse(json: Data(GatewayFixtures.memberList.utf8))
        #expect(list.members.map(\.name) == ["e2", "e1", "e3"])
        #expect(list.members.map(\.id.hex) == [GatewayFixtures.e2, GatewayFixtures.e1, GatewayFixtures.e3])
        #expect(list.members.allSatisfy { !$0.isLearner })
        #expect(list.members[1].clientURLs == ["http://127.0.0.1:2379"])
        #expect(list.members[1].peerURLs == ["http://127.0.0.1:2380"])
        #expect(list.header?.clusterID == EtcdMemberID(decimal: "968716052297111514"))
        #expect(list.header?.raftTerm == 2)

        let learner = try EtcdMemberListResponse(
            json: Data(#"{"members":[{"ID":"5","peerURLs":["http://h:2380"],"isLearner":true}]}"#.utf8))
        #expect(learner.members[0].isLearner)
        #expect(learner.members[0].name == "", "an unstarted member has no name")
        #expect(learner.members[0].clientURLs.isEmpty)
    }

    @Test("status decodes decimal-string sizes, indices and the leader id")
    func status() throws {
        let s = try EtcdStatusResponse(json: Data(GatewayFixtures.status.utf8))
        #expect(s.leader?.hex == GatewayFixtures.e1)
        #expect(s.dbSize == 20480 && s.dbSizeInUse == 16384)
        #expect(s.raftTerm == 2 && s.raftIndex == 17 && s.raftAppliedIndex == 17)
        #expect(s.version == "3.4.23")
        #expect(s.errors.isEmpty)
        #expect(s.header?.revision == 1)
    }

    @Test("under quorum loss the status has an errors array and no leader field")
    func statusWithoutLeader() throws {
        let s = try EtcdStatusResponse(json: Data(GatewayFixtures.statusNoLeader.utf8))
        #expect(s.leader == nil)
        #expect(s.errors == ["etcdserver: no leader"])
        #expect(s.raftTerm == 16)
        let member = EtcdMemberState(
            id: EtcdMemberID(1), name: "e1", clientURL: "http://127.0.0.1:2379", reachable: true, healthy: false,
            status: EtcdMemberStatus(s))
        #expect(member.reportsNoLeader)
    }

    @Test("health: the string \"true\" and \"false\", and a boolean")
    func health() throws {
        #expect(try EtcdHealthResponse(json: Data(GatewayFixtures.healthy.utf8), httpStatus: 200).healthy)
        #expect(try !EtcdHealthResponse(json: Data(GatewayFixtures.unhealthy.utf8), httpStatus: 503).healthy)
        #expect(try EtcdHealthResponse(json: Data(#"{"health":true,"reason":""}"#.utf8), httpStatus: 200).healthy)
    }

    @Test("malformed bodies name the field and what was wrong")
    func malformed() {
        func problem(_ body: String) -> GatewayJSON.Malformed? {
            do {
                _ = try EtcdMemberListResponse(json: Data(body.utf8))
                return nil
            } catch {
                return error
            }
        }
        #expect(problem("<html>502 Bad Gateway</html>")?.field == "body")
        #expect(problem(#"["a"]"#)?.problem == "not a JSON object")
        #expect(problem(#"{"header":{}}"#)?.field == "members")
        #expect(problem(#"{"members":{}}"#)?.field == "members")
        #expect(problem(#"{"members":[{"ID":"12x","name":"e1"}]}"#)?.field == "members[0].ID")
        #expect(problem(#"{"members":[{"ID":"1","name":"e1"},{"name":"e2"}]}"#)?.field == "members[1].ID")
        #expect(problem(#"{"members":[{"ID":"1","clientURLs":"http://x"}]}"#)?.field == "members[0].clientURLs")
        #expect(problem(#"{"members":[{"ID":"1","clientURLs":[7]}]}"#)?.field == "members[0].clientURLs[0]")
        #expect(problem(#"{"members":[{"ID":"1","isLearner":"maybe"}]}"#)?.field == "members[0].isLearner")
        #expect(problem(#"{"members":[{"ID":true}]}"#)?.problem.contains("a boolean") == true)
        #expect(throws: GatewayJSON.Malformed.self) { try EtcdStatusResponse(json: Data(#"{"dbSize":"-5"}"#.utf8)) }
        #expect(throws: GatewayJSON.Malformed.self) { try EtcdHealthResponse(json: Data("{}".utf8), httpStatus: 200) }
    }

    @Test("etcdctl's bare-number ids are accepted when exact")
    func bareNumbers() throws {
        let list = try EtcdMemberListResponse(json: Data(#"{"members":[{"ID":119572451437286717,"name":"e2"}]}"#.utf8))
        #expect(list.members[0].id.hex == GatewayFixtures.e2)
    }
}
