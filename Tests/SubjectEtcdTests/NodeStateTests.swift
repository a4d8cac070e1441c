import Foundation
import OperatorCore
import Testing

@testable import SubjectEtcd

/// Members as states, not booleans: reachability (answers, refused, silent) apart from health with a reason,
/// and the invariants that read them. Fixtures follow what real etcd 3.4.23 answered (README, "What real
/// etcd answered").
@Suite("etcd node states and the invariants over them")
struct NodeStateTests {
    let subject: EtcdSubject

    init() throws {
        subject = try EtcdSubject(configuration: .init(endpoints: ["http://127.0.0.1:2379"]))
    }

    @Test("refused is down, silent is unresponsive, an alarm or no leader is unhealthy with that reason")
    func conditions() {
        var b = SnapshotBuilder()
        b.kill("e2")
        b.freeze("e3")
        let s = b.snapshot
        #expect(s.condition(of: s.members[1]).reachability == .refused)
        #expect(s.condition(of: s.members[1]).health == .down)
        #expect(s.condition(of: s.members[2]).reachability == .silent)
        #expect(s.condition(of: s.members[2]).health == .unresponsive)
        #expect(s.condition(of: s.members[0]).health == .healthy)

        var a = SnapshotBuilder()
        a.alarm(raisedBy: "e3")
        for m in a.snapshot.members {
            let c = a.snapshot.condition(of: m)
            #expect(c.reachability == .answers)
            #expect(c.health == .alarm)
            #expect(c.reason?.contains("NOSPACE alarm raised by e3 (d4840de1ab8e89f9)") == true, "\(c.reason ?? "")")
        }

        var n = SnapshotBuilder()
        n.unhealthy("e1", observations: 1, noLeader: true)
        #expect(n.snapshot.condition(of: n.snapshot.members[0]).health == .noLeader)

        var d = SnapshotBuilder()
        d.unhealthy("e2", observations: 3)
        d.metrics("e2") { $0.walFsyncP99Seconds = 1.2 }
        #expect(d.snapshot.condition(of: d.snapshot.members[1]).health == .slowDisk)
        d.recovering("e2", from: .silent, since: d.snapshot.observedAt.addingTimeInterval(-3))
        #expect(d.snapshot.condition(of: d.snapshot.members[1]).health == .recovering, "a member that just came back is recovering")
    }

    @Test("a frozen member is member-unresponsive, never member-down; unresponsive_after debounces it")
    func frozen() throws {
        var b = SnapshotBuilder()
        b.freeze("e3", observations: 1)
        let patient = try EtcdSubject(configuration: .init(endpoints: ["http://127.0.0.1:2379"], settings: ["unresponsive_after": 2]))
        #expect(patient.evaluate(b.snapshot).violations.keys == [], "one silent probe is not yet a freeze with unresponsive_after 2")
        b.freeze("e3", observations: 2)
        #expect(patient.evaluate(b.snapshot).violations.keys == ["member-unresponsive@member:e3"])
        b.freeze("e3", observations: 1)
        let v = subject.evaluate(b.snapshot).violations
        #expect(v.keys == ["member-unresponsive@member:e3"])
        #expect(v[0].severity == .critical)
        #expect(v[0].message.contains("accepts connections but answered nothing within the probe budget"))
        #expect(v[0].excerpt["reachability"] == .string("silent"))
    }

    @Test("a NOSPACE alarm is one alarm-active on the member that raised it; no member-down, member-unhealthy or quorum-lost")
    func alarm() {
        var b = SnapshotBuilder()
        b.alarm(raisedBy: "e3")
        b.metrics("e3") {
            $0.dbTotalSizeBytes = 1_429_504
            $0.quotaBackendBytes = 1_048_576
        }
        let v = subject.evaluate(b.snapshot).violations
        #expect(v.keys == ["alarm-active@member:e3", "db-size-near-quota@member:e3"])
        let alarm = v.first { $0.invariant == "alarm-active" }
        #expect(alarm?.message.hasPrefix("NOSPACE alarm raised by e3 (d4840de1ab8e89f9) is active") == true)
        #expect(alarm?.message.contains("/health fails on e1, e2, e3") == true)
        #expect(v.first { $0.invariant == "db-size-near-quota" }?.severity == .critical)
    }

    @Test("the alarm list decodes etcd's decimal memberID; status errors repeat it")
    func alarmDecoding() throws {
        let response = try EtcdAlarmResponse(json: Data(GatewayFixtures.alarmNoSpace.utf8))
        #expect(response.alarms == [EtcdAlarm(memberID: EtcdMemberID(hex: GatewayFixtures.e3)!, kind: "NOSPACE")])
        #expect(try EtcdAlarmResponse(json: Data(GatewayFixtures.alarmNone.utf8)).alarms.isEmpty)
        let status = try EtcdStatusResponse(json: Data(GatewayFixtures.statusNoSpace.utf8))
        #expect(status.errors.compactMap(EtcdAlarm.parse(statusError:)) == response.alarms)
        #expect(throws: GatewayJSON.Malformed.self) { try EtcdAlarmResponse(json: Data(#"{"alarms":[{"alarm":"NOSPACE"}]}"#.utf8)) }
        #expect(EtcdAlarm.parse(statusError: "etcdserver: no leader") == nil)
    }

    @Test("quorum-lost needs no leader and a failed linearizable read; a leader with failing health checks is not quorum loss")
    func quorum() {
        var b = SnapshotBuilder()
        b.unhealthy("e1", observations: 5)
        b.unhealthy("e2", observations: 5)
        b.unhealthy("e3", observations: 5)
        #expect(!subject.evaluate(b.snapshot).violations.contains { $0.invariant == "quorum-lost" }, "a leader exists")

        var l = SnapshotBuilder()
        l.kill("e2")
        l.kill("e3")
        l.leaderless(observations: 3, readFails: false)
        #expect(!subject.evaluate(l.snapshot).violations.contains { $0.invariant == "quorum-lost" }, "reads are served")
        l.leaderless(observations: 3, readFails: true)
        let lost = subject.evaluate(l.snapshot).violations.first { $0.invariant == "quorum-lost" }
        #expect(lost?.message.contains("a linearizable read failed (e1: answered HTTP 503") == true, "\(lost?.message ?? "none")")
        #expect(lost?.message.contains("not answering: e2 (refused), e3 (refused)") == true)
    }

    @Test("a member gone from the member list is member-removed, named and with the cluster's new size")
    func removed() {
        var b = SnapshotBuilder()
        b.remove("e3")
        let v = subject.evaluate(b.snapshot).violations
        #expect(v.keys == ["member-removed@member:e3"])
        #expect(v[0].message.contains("member e3 (d4840de1ab8e89f9) is gone from the member list"))
        #expect(v[0].message.contains("the cluster now has 2 voting member(s), quorum 2"))
    }

    @Test("a slow disk failing /health is member-unhealthy with its reason, never member-down")
    func slowDisk() {
        var b = SnapshotBuilder()
        b.unhealthy("e2", observations: 3)
        b.metrics("e2") {
            $0.walFsyncP99Seconds = 1.4
            $0.walFsyncsInWindow = 40
        }
        let v = subject.evaluate(b.snapshot).violations
        #expect(v.keys == ["fsync-slow@member:e2", "member-unhealthy@member:e2"])
        #expect(v.first { $0.invariant == "member-unhealthy" }?.message.contains("(slow-disk): /health fails with WAL fsync p99 1.4s") == true)
    }

    @Test("a member that sees no leader while the others follow one is cut off: member-unhealthy, diagnosed network-partition")
    func cutOff() async throws {
        var b = SnapshotBuilder()
        b.unhealthy("e3", observations: 3, noLeader: true)
        for name in ["e1", "e2"] { b.metrics(name) { $0.activePeers = [GatewayFixtures.e1: 1, GatewayFixtures.e2: 1, GatewayFixtures.e3: 0] } }
        b.metrics("e3") { $0.activePeers = [GatewayFixtures.e1: 0, GatewayFixtures.e2: 0] }
        let v = subject.evaluate(b.snapshot).violations
        #expect(v.keys == ["member-unhealthy@member:e3"])
        #expect(v[0].message.contains("(no-leader)"))
        #expect(v[0].message.contains("e1 leads the others, so e3 is cut off from them"))
    }

    @Test("the killed leader's note names the new leader only when that one answers")
    func leaderNote() {
        var b = SnapshotBuilder()
        b.kill("e1")
        b.leaderMoved(from: "e1", to: "e2")
        #expect(subject.evaluate(b.snapshot).violations.first?.message.contains("e2 leads now") == true)
        // Followers still name the dead e1: no "leads now" about anyone.
        var stale = SnapshotBuilder()
        stale.snapshot.previousLeader = EtcdLeaderView(id: SnapshotBuilder.ids["e3"]!, name: "e3", term: 1, reachable: true)
        stale.kill("e1")
        let message = subject.evaluate(stale.snapshot).violations.first { $0.invariant == "member-down" }?.message ?? ""
        #expect(!message.contains("leads now"), "\(message)")
        #expect(message.contains("it is the leader the other members still follow"))
    }

    @Test("status lines and the snapshot JSON show each member's reachability, state and reason")
    func output() throws {
        var b = SnapshotBuilder()
        b.freeze("e3")
        b.alarm(raisedBy: "e2")
        let lines = b.snapshot.statusLines()
        #expect(lines.contains { $0.hasPrefix("e3 ") && $0.contains("silent, unresponsive (accepts connections but answered nothing") })
        #expect(lines.contains { $0.hasPrefix("e1 ") && $0.contains("answers, alarm (/health fails while NOSPACE alarm raised by e2") })
        #expect(lines.contains("alarm: NOSPACE alarm raised by e2 (\(GatewayFixtures.e2))"))
        let json = String(decoding: try JSONEncoder.operatorEncoder.encode(b.snapshot), as: UTF8.self)
        #expect(json.contains(#""alarms":[{"kind":"NOSPACE","member_id":"\#(GatewayFixtures.e2)","member_name":"e2"}]"#), "\(json.prefix(300))")
        #expect(json.contains(#""timed_out":true"#))
    }

    @Test("probe_timeout is a ranged duration setting")
    func probeTimeout() throws {
        #expect(try EtcdSettings(["probe_timeout": "250ms"]).probeTimeout == .milliseconds(250))
        #expect(EtcdSettings().probeTimeout == .seconds(1))
        #expect(throws: EtcdSettingsError.self) { try EtcdSettings(["probe_timeout": "2m"]) }
        do {
            _ = try EtcdSettings(["probe_timeout": "5ms"])
            Issue.record("5ms accepted")
        } catch {
            #expect(error.description.contains("etcd setting probe_timeout: 5ms is out of range; allowed 10ms…1m"), "\(error)")
        }
    }
}
