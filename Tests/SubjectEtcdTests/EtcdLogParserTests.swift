import Foundation
import OperatorCore
import Testing

@testable import SubjectEtcd

/// Lines etcd 3.4.23 wrote on this machine (etcd-prometheus-observed.md §A), plus capnslog forms and garbage.
@Suite struct EtcdLogParserTests {
    let parser = EtcdLogParser()

    struct ExpectedEvent: Error {}

    func event(
        _ line: String, parser: EtcdLogParser? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> LogEvent {
        let result = (parser ?? self.parser).parse(line: line[...])
        guard case .event(let event) = result else {
            Issue.record("expected an event, got \(result)", sourceLocation: sourceLocation)
            throw ExpectedEvent()
        }
        return event
    }

    func reason(_ line: String, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        let result = parser.parse(line: line[...])
        guard case .unparseable(let reason) = result else {
            Issue.record("expected unparseable, got \(result)", sourceLocation: sourceLocation)
            return ""
        }
        return reason
    }

    // MARK: - Peers lost and regained (§A, SIGKILL a follower)

    @Test func lostTCPStreamingConnection() throws {
        let e = try event(
            #"{"level":"warn","ts":"2026-11-23T07:05:15.322Z","caller":"rafthttp/stream.go:436","msg":"lost TCP streaming connection with remote peer","stream-reader-type":"stream MsgApp v2","local-member-id":"60b7da48219e4a34","remote-peer-id":"d4840de1ab8e89f9","error":"unexpected EOF"}"#
        )
        #expect(e.kind == "peer-stream-lost")
        #expect(e.level == "warn")
        #expect(e.entity == Entity(kind: "member", id: "d4840de1ab8e89f9"))
        #expect(e.fields["member_id_hex"] == "d4840de1ab8e89f9")
        #expect(e.fields["local_member_id_hex"] == "60b7da48219e4a34")
        #expect(e.fields["error"] == "unexpected EOF")
        #expect(e.source == "rafthttp/stream.go:436")
        #expect(Timestamp.format(try #require(e.time)) == "2026-11-23T07:05:15.322Z")
    }

    @Test func peerInactiveUnreachableActiveEstablishedUnhealthy() throws {
        let lines: [(String, String)] = [
            (#"{"level":"warn","ts":"2026-11-23T07:05:15.322Z","caller":"rafthttp/peer_status.go:68","msg":"peer became inactive (message send to peer failed)","peer-id":"d4840de1ab8e89f9","error":"failed to read d4840de1ab8e89f9 on stream MsgApp v2 (unexpected EOF)"}"#, "peer-inactive"),
            (#"{"level":"warn","ts":"2026-11-23T07:05:17.416Z","caller":"etcdserver/cluster_util.go:315","msg":"failed to reach the peer URL","address":"http://127.0.0.1:32380/version","remote-member-id":"d4840de1ab8e89f9","error":"Get \"http://127.0.0.1:32380/version\": dial tcp 127.0.0.1:32380: connect: connection refused"}"#, "peer-unreachable"),
            (#"{"level":"info","ts":"2026-11-23T07:05:57.900Z","caller":"rafthttp/peer_status.go:53","msg":"peer became active","peer-id":"d4840de1ab8e89f9"}"#, "peer-active"),
            (#"{"level":"info","ts":"2026-11-23T07:05:57.901Z","caller":"rafthttp/stream.go:425","msg":"established TCP streaming connection with remote peer","stream-reader-type":"stream Message","local-member-id":"60b7da48219e4a34","remote-peer-id":"d4840de1ab8e89f9"}"#, "peer-stream-established"),
            (#"{"level":"warn","ts":"2026-11-23T07:06:00.001Z","caller":"rafthttp/probing_status.go:68","msg":"prober detected unhealthy status","round-tripper-name":"ROUND_TRIPPER_RAFT_MESSAGE","remote-peer-id":"d4840de1ab8e89f9","rtt":"0s","error":"dial tcp 127.0.0.1:32380: connect: connection refused"}"#, "peer-unhealthy"),
        ]
        for (line, kind) in lines {
            let e = try event(line)
            #expect(e.kind == kind)
            #expect(e.entity == Entity(kind: "member", id: "d4840de1ab8e89f9"), "\(kind)")
        }
        // The "failed to get version" twin of "failed to reach the peer URL" is not counted twice.
        #expect(
            parser.parse(line: #"{"level":"warn","ts":"2026-11-23T07:05:17.416Z","caller":"etcdserver/cluster_util.go:168","msg":"failed to get version","remote-member-id":"d4840de1ab8e89f9","error":"Get \"http://127.0.0.1:32380/version\": dial tcp ... connection refused"}"#[...])
                == .ignored)
    }

    // MARK: - Elections (§A, SIGKILL the leader)

    @Test func electionOnTheWinner() throws {
        let startE = try event(#"{"level":"info","ts":"2026-11-23T07:06:24.307Z","caller":"raft/raft.go:929","msg":"d4840de1ab8e89f9 is starting a new election at term 2"}"#)
        #expect(startE.kind == "election-started")
        #expect(startE.fields["term"] == "2")
        #expect(startE.entity == Entity(kind: "member", id: "d4840de1ab8e89f9"))

        let candidate = try event(#"{"level":"info","ts":"2026-11-23T07:06:24.307Z","caller":"raft/raft.go:719","msg":"d4840de1ab8e89f9 became candidate at term 3"}"#)
        #expect(candidate.kind == "became-candidate")
        #expect(candidate.fields["term"] == "3")

        let lost = try event(#"{"level":"info","ts":"2026-11-23T07:06:24.307Z","caller":"raft/node.go:333","msg":"raft.node: d4840de1ab8e89f9 lost leader 60b7da48219e4a34 at term 3"}"#)
        #expect(lost.kind == "leader-lost")
        #expect(lost.fields["leader_id_hex"] == "60b7da48219e4a34")
        #expect(lost.fields["member_id_hex"] == "d4840de1ab8e89f9")

        let votes = try event(#"{"level":"info","ts":"2026-11-23T07:06:24.309Z","caller":"raft/raft.go:1295","msg":"d4840de1ab8e89f9 has received 2 MsgVoteResp votes and 0 vote rejections"}"#)
        #expect(votes.kind == "votes-received")
        #expect(votes.fields["votes_granted"] == "2")
        #expect(votes.fields["votes_rejected"] == "0")

        let leader = try event(#"{"level":"info","ts":"2026-11-23T07:06:24.309Z","caller":"raft/raft.go:771","msg":"d4840de1ab8e89f9 became leader at term 3"}"#)
        #expect(leader.kind == "became-leader")
        #expect(leader.fields["term"] == "3")
    }

    @Test func electionOnTheOtherSurvivorWithAFifteenDigitId() throws {
        let vote = try event(#"{"level":"info","ts":"2026-11-23T07:06:24.308Z","caller":"raft/raft.go:923","msg":"1a8ce82d4d7953d [term: 2] received a MsgVote message with higher term from d4840de1ab8e89f9 [term: 3]"}"#)
        #expect(vote.kind == "vote-higher-term")
        #expect(vote.entity == Entity(kind: "member", id: "1a8ce82d4d7953d"))
        #expect(vote.fields["candidate_id_hex"] == "d4840de1ab8e89f9")
        #expect(vote.fields["term"] == "3")

        let elected = try event(#"{"level":"info","ts":"2026-11-23T07:06:24.310Z","caller":"raft/node.go:325","msg":"raft.node: 1a8ce82d4d7953d elected leader d4840de1ab8e89f9 at term 3"}"#)
        #expect(elected.kind == "leader-elected")
        #expect(elected.fields["leader_id_hex"] == "d4840de1ab8e89f9")
        #expect(elected.fields["member_id_hex"] == "1a8ce82d4d7953d")
    }

    @Test func quorumLoss() throws {
        let e = try event(#"{"level":"warn","ts":"2026-11-23T07:08:00.000Z","caller":"raft/raft.go:1010","msg":"60b7da48219e4a34 stepped down to follower since quorum is not active"}"#)
        #expect(e.kind == "quorum-lost")
        #expect(e.entity == Entity(kind: "member", id: "60b7da48219e4a34"))
    }

    @Test func knownMemberNamesBecomeTheEntity() throws {
        let named = EtcdLogParser(memberNames: ["D4840DE1AB8E89F9": "e3", "60b7da48219e4a34": "e1"])
        let e = try event(#"{"level":"info","ts":"2026-11-23T07:06:24.309Z","caller":"raft/raft.go:771","msg":"d4840de1ab8e89f9 became leader at term 3"}"#, parser: named)
        #expect(e.entity == Entity(kind: "member", id: "e3"))
        #expect(e.fields["member"] == "e3")
        #expect(e.fields["member_id_hex"] == "d4840de1ab8e89f9")
    }

    // MARK: - Slow work

    @Test func slowApplyWithTook() throws {
        let e = try event(#"{"level":"warn","ts":"2022-03-31T23:00:06.771Z","caller":"etcdserver/util.go:163","msg":"apply request took too long","took":"111.479086ms","expected-duration":"100ms","prefix":"read-only range ","request":"key:\"/registry/pods/\" range_end:\"/registry/pods0\" ","response":"range_response_count:27893 size:191330794"}"#)
        #expect(e.kind == "slow-apply")
        #expect(e.fields["duration_ms"] == "111.479")
        #expect(e.fields["request"] == #"key:"/registry/pods/" range_end:"/registry/pods0" "#)
        #expect(e.entity == nil)
    }

    @Test func otherSlowWarnings() throws {
        let fsync = try event(#"{"level":"warn","ts":"2026-11-23T07:08:00.000Z","caller":"wal/wal.go:802","msg":"slow fdatasync","took":"1.203s","expected-duration":"1s"}"#)
        #expect(fsync.kind == "slow-fdatasync")
        #expect(fsync.fields["duration_ms"] == "1203")
        let heartbeat = try event(#"{"level":"warn","ts":"2026-11-23T07:08:00.000Z","caller":"etcdserver/raft.go:379","msg":"leader failed to send out heartbeat on time; took too long, leader is overloaded likely from slow disk","to":"d4840de1ab8e89f9","heartbeat-interval":"100ms","expected-duration":"200ms","exceeded-duration":"399.3ms"}"#)
        #expect(heartbeat.kind == "heartbeat-late")
        #expect(heartbeat.fields["duration_ms"] == "399.3")
        #expect(heartbeat.fields["peer_id_hex"] == "d4840de1ab8e89f9")
        let other = try event(#"{"level":"warn","ts":"2026-11-23T07:08:00.000Z","caller":"x.go:1","msg":"waiting for ReadIndex response took too long, retrying","took":"2m3.5s"}"#)
        #expect(other.kind == "slow-operation")
        #expect(other.fields["duration_ms"] == "123500")
    }

    // MARK: - capnslog mixed into the zap stream

    @Test func capnslogHealthErrorFromTheReference() throws {
        let e = try event("2026-11-23 07:06:24.242781 W | etcdserver/api/etcdhttp: /health error; QGET failed etcdserver: request timed out, possibly due to connection lost (status code 503)")
        #expect(e.kind == "health-error")
        #expect(e.level == "warn")
        #expect(e.source == "etcdserver/api/etcdhttp")
        #expect(e.fields["status_code"] == "503")
        #expect(e.message.hasPrefix("/health error; QGET failed"))
        #expect(Timestamp.format(try #require(e.time)) == "2026-11-23T07:06:24.242Z")
        let noLeader = try event("2026-11-23 07:08:01.000000 W | etcdserver/api/etcdhttp: /health error; no leader (status code 503)")
        #expect(noLeader.kind == "health-error")
    }

    @Test func capnslogTimeIsReadInTheConfiguredOffset() throws {
        let tokyo = EtcdLogParser(capnslogUTCOffsetSeconds: 9 * 3600)
        let e = try event("2026-11-23 16:06:24.242781 W | etcdserver/api/etcdhttp: /health error; no leader (status code 503)", parser: tokyo)
        #expect(Timestamp.format(try #require(e.time)) == "2026-11-23T07:06:24.242Z")
    }

    @Test(arguments: [
        ("2017-04-27 14:13:31.524123 I | raft: c89feb932daef420 became leader at term 4", "became-leader", "c89feb932daef420"),
        ("2025-10-09 02:11:39.572242 I | raft: raft.node: 2331065cd4fb02ff elected leader ef44cc541c5f37c7 at term 10", "leader-elected", "2331065cd4fb02ff"),
        ("2017-04-27 14:13:31.524108 I | raft: c89feb932daef420 [quorum:2] has received 2 MsgVoteResp votes and 0 vote rejections", "votes-received", "c89feb932daef420"),
        ("2025-10-09 02:11:39.570130 I | raft: 2331065cd4fb02ff [term: 9] received a MsgVote message with higher term from ef44cc541c5f37c7 [term: 10]", "vote-higher-term", "2331065cd4fb02ff"),
        ("2017-04-27 14:13:31.592650 W | rafthttp: lost the TCP streaming connection with peer 6d4f535bae3ab960 (stream MsgApp v2 reader)", "peer-stream-lost", "6d4f535bae3ab960"),
        ("2021-01-16 10:01:55.705600 I | rafthttp: peer fa5e59193de34069 became inactive (message send to peer failed)", "peer-inactive", "fa5e59193de34069"),
        ("2017-11-14 14:15:24.171809 I | rafthttp: peer 2 became active", "peer-active", "2"),
        ("2017-11-14 14:15:25.000000 I | rafthttp: established a TCP streaming connection with peer 6d4f535bae3ab960 (stream Message reader)", "peer-stream-established", "6d4f535bae3ab960"),
        ("2017-11-14 14:15:25.000000 W | etcdserver: failed to reach the peerURL(http://127.0.0.1:32380) of member d4840de1ab8e89f9 (Get http://127.0.0.1:32380/version: dial tcp 127.0.0.1:32380: connect: connection refused)", "peer-unreachable", "d4840de1ab8e89f9"),
        ("2017-11-14 14:15:25.000000 W | rafthttp: health check for peer d4840de1ab8e89f9 could not connect: dial tcp 127.0.0.1:32380: connect: connection refused", "peer-unhealthy", "d4840de1ab8e89f9"),
        ("2017-11-14 14:15:25.000000 W | raft: 60b7da48219e4a34 stepped down to follower since quorum is not active", "quorum-lost", "60b7da48219e4a34"),
    ])
    func capnslogForms(line: String, kind: String, member: String) throws {
        let e = try event(line)
        #expect(e.kind == kind)
        #expect(e.fields["member_id_hex"] == member)
    }

    @Test func capnslogSlowForms() throws {
        let apply = try event("2019-05-01 10:00:00.000000 W | etcdserver: apply entries took too long [123.456ms for 1 entries]")
        #expect(apply.kind == "slow-apply")
        #expect(apply.fields["duration_ms"] == "123.456")
        let read = try event(#"2019-05-01 10:00:00.000000 W | etcdserver: read-only range request "key:\"/a\" " with result "range_response_count:1 size:5" took too long (157.3ms) to execute"#)
        #expect(read.kind == "slow-apply")
        #expect(read.fields["duration_ms"] == "157.3")
        let sync = try event("2019-05-01 10:00:00.000000 W | wal: sync duration of 1.5s, expected less than 1s")
        #expect(sync.kind == "slow-fdatasync")
        #expect(sync.fields["duration_ms"] == "1500")
        let heartbeat = try event("2019-05-01 10:00:00.000000 W | etcdserver: failed to send out heartbeat on time (exceeded the 100ms timeout for 399.3ms, to d4840de1ab8e89f9)")
        #expect(heartbeat.kind == "heartbeat-late")
        #expect(heartbeat.fields["duration_ms"] == "399.3")
        #expect(heartbeat.fields["peer_id_hex"] == "d4840de1ab8e89f9")
    }

    @Test func capnslogWithoutTimestampAndNoticeLevel() throws {
        let e = try event("N | raft: c89feb932daef420 became follower at term 5")
        #expect(e.kind == "became-follower")
        #expect(e.time == nil)
        #expect(e.level == "info")
    }

    @Test func mixedStreamCountsEveryLine() {
        // A survivor's stderr during a leader kill: zap, capnslog and gRPC's logger interleaved.
        let stream = """
            {"level":"info","ts":"2026-11-23T07:06:24.200Z","caller":"etcdserver/server.go:2051","msg":"published local member to cluster through raft","local-member-id":"1a8ce82d4d7953d"}
            2026-11-23 07:06:24.242781 W | etcdserver/api/etcdhttp: /health error; QGET failed etcdserver: request timed out, possibly due to connection lost (status code 503)
            {"level":"info","ts":"2026-11-23T07:06:24.308Z","caller":"raft/raft.go:923","msg":"1a8ce82d4d7953d [term: 2] received a MsgVote message with higher term from d4840de1ab8e89f9 [term: 3]"}
            WARNING: 2026/11/23 07:06:24 grpc: addrConn.createTransport failed to connect to {127.0.0.1:2379 0  <nil>}. Err :connection error: desc = "transport: Error while dialing dial tcp 127.0.0.1:2379: connect: connection refused". Reconnecting...
            {"level":"info","ts":"2026-11-23T07:06:24.310Z","caller":"raft/node.go:325","msg":"raft.node: 1a8ce82d4d7953d elected leader d4840de1ab8e89f9 at term 3"}
            {"level":"info","ts":"2026-11-23T07:06:24.3
            goroutine 1 [running]:
            """
        var kinds: [String] = []
        var ignored = 0, unparseable = 0
        for line in stream.split(separator: "\n", omittingEmptySubsequences: false) {
            switch parser.parse(line: line) {
            case .event(let e): kinds.append(e.kind)
            case .ignored: ignored += 1
            case .unparseable: unparseable += 1
            }
        }
        #expect(kinds == ["health-error", "vote-higher-term", "leader-elected"])
        #expect(ignored == 2)
        #expect(unparseable == 2)
    }

    /// Lines etcd 3.4.23 wrote on this machine for `etcdctl move-leader` and a NOSPACE alarm (SubjectEtcd
    /// README, "What real etcd answered").
    @Test func transfersAndAlarmsAreEvents() throws {
        let lines = [
            #"{"level":"info","ts":"2026-11-27T14:33:05.021Z","caller":"etcdserver/server.go:1456","msg":"leadership transfer starting","local-member-id":"f18512664701b41d","current-leader-member-id":"f18512664701b41d","transferee-member-id":"4731ca1925e229b0"}"#,
            #"{"level":"info","ts":"2026-11-27T14:33:05.021Z","caller":"raft/raft.go:1348","msg":"4731ca1925e229b0 [term 2] received MsgTimeoutNow from f18512664701b41d and starts an election to get leadership."}"#,
            #"{"level":"info","ts":"2026-11-27T14:33:05.124Z","caller":"etcdserver/server.go:1477","msg":"leadership transfer finished","local-member-id":"f18512664701b41d","old-leader-member-id":"f18512664701b41d","new-leader-member-id":"4731ca1925e229b0","took":"103.371648ms"}"#,
            #"{"level":"warn","ts":"2026-11-27T14:33:00.759Z","caller":"etcdserver/server.go:2267","msg":"message exceeded backend quota; raising alarm","quota-size-bytes":1048576,"quota-size":"1.0 MB","error":"etcdserver: no space"}"#,
            #"{"level":"warn","ts":"2026-11-27T14:33:00.763Z","caller":"etcdserver/apply.go:636","msg":"alarm raised","alarm":"NOSPACE","from":"d9d2a02ce75ed1a8"}"#,
        ]
        let events = try lines.map { try event($0) }
        #expect(events.map(\.kind) == [
            "leader-transfer-started", "leader-transfer-received", "leader-transfer-finished", "quota-exceeded", "alarm-raised",
        ])
        #expect(events[0].fields["member_id_hex"] == "4731ca1925e229b0", "the transferee")
        #expect(events[0].fields["previous_leader_id_hex"] == "f18512664701b41d")
        #expect(events[1].fields["member_id_hex"] == "4731ca1925e229b0" && events[1].fields["term"] == "2")
        #expect(events[1].fields["previous_leader_id_hex"] == "f18512664701b41d")
        #expect(events[2].fields["member_id_hex"] == "4731ca1925e229b0")
        #expect(events[4].fields["member_id_hex"] == "d9d2a02ce75ed1a8" && events[4].fields["alarm"] == "NOSPACE")
    }

    @Test func everyKindIsDocumented() throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/SubjectEtcd/Logs/README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        for kind in EtcdLogParser.eventKinds {
            #expect(text.contains("`\(kind)`"), "README does not document \(kind)")
        }
    }

    // MARK: - Garbage

    @Test func garbageLinesAreUnparseableWithAReason() {
        #expect(reason("") == "empty line")
        #expect(reason("\u{0}\u{1}\u{2}binary").contains("binary"))
        #expect(reason(#"{"level":"info","ts":"2026-11-23T07:06"#).contains("not valid JSON"))
        #expect(reason(#"["not","an","object"]"#).contains("not an etcd log line"))
        #expect(reason("{\"msg\":" + String(repeating: "[", count: 200_000)).contains("nested"))
        #expect(reason(#"{"ts":"2026-11-23T07:06:24.307Z","msg":"x"}"#).contains("\"level\""))
        #expect(reason(#"{"level":"info","ts":"2026-11-23T07:06:24.307Z"}"#).contains("\"msg\""))
        #expect(reason(#"{"level":"info","ts":"last tuesday","msg":"x"}"#).contains("\"last tuesday\""))
        #expect(reason("2026-11-23 07:06:24.242781 Q | pkg: x").contains("unknown capnslog level"))
        #expect(reason("2026-11-23 25:06:24.242781 W | pkg: x").contains("capnslog time"))
        #expect(reason("2026-11-23 07:06:24.242781 no marker here").contains("level marker"))
        #expect(reason(String(repeating: "z", count: 1_000_000)).contains("not an etcd log line"))
    }

    @Test func uninterestingLinesAreIgnored() {
        for line in [
            #"{"level":"info","ts":"2026-11-23T07:04:28.887Z","caller":"etcdserver/server.go:803","msg":"server has been already initialized"}"#,
            "2026-11-23 07:04:28.887000 I | etcdserver: published {Name:e1 ClientURLs:[http://127.0.0.1:2379]} to cluster 1",
            #"{"level":"warn","ts":"2026-11-23T07:04:28.887Z","caller":"x.go:1","msg":"slow down please"}"#,
        ] {
            #expect(parser.parse(line: line[...]) == .ignored, "\(line)")
        }
    }
}
