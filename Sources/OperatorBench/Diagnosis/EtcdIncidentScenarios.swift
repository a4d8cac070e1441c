import Foundation
import OperatorCore
import SubjectEtcd

/// Realistic etcd incidents for the diagnosis benchmark, without a cluster: the observations Operator
/// made of a 3-member etcd 3.4 cluster during each fault, and the log lines the members wrote. Member
/// ids, ports, messages and timings are the ones recorded in etcd-prometheus-observed.md §A (SIGKILL of
/// a follower, of the leader, quorum loss); the slow disk and the full database use the same cluster
/// with the metrics those faults move.
struct EtcdIncidentScenario: Sendable {
    var name: String
    /// What the offline rules should conclude, as `category on entity`.
    var expectedCategory: String
    var expectedEntity: Entity
    /// Successive observations during the fault, oldest first, one per monitor tick.
    var snapshots: [EtcdSnapshot]
    /// zap JSON (and capnslog) lines the members logged meanwhile.
    var logLines: [String]
}

enum EtcdIncidentScenarios {
    struct Fixture {
        let name: String
        let id: EtcdMemberID
        let clientPort: Int
        var clientURL: String { "http://127.0.0.1:\(clientPort)" }
        var peerURL: String { "http://127.0.0.1:\(clientPort + 1)" }
    }

    // §A: e1 6969278951715654196 (60b7da48219e4a34), e2 119572451437286717 (1a8ce82d4d7953d),
    // e3 15313379895863577081 (d4840de1ab8e89f9).
    static let e1 = Fixture(name: "e1", id: EtcdMemberID(6_969_278_951_715_654_196), clientPort: 2379)
    static let e2 = Fixture(name: "e2", id: EtcdMemberID(119_572_451_437_286_717), clientPort: 22379)
    static let e3 = Fixture(name: "e3", id: EtcdMemberID(15_313_379_895_863_577_081), clientPort: 32379)
    static let members = [e1, e2, e3]
    static let clusterID = EtcdMemberID(968_716_052_297_111_514)
    static let quota = 2_147_483_648.0

    /// Every scenario, its fault starting `ticks` seconds before `now`.
    static func all(now: Date = Date(), ticks: Int = 3) -> [EtcdIncidentScenario] {
        [
            followerKilled(now, ticks), leaderKilled(now, ticks), quorumLost(now, ticks), slowDisk(now, ticks), databaseFull(now, ticks),
            followerFlapping(now, cycles: 10),
        ]
    }

    /// Follower e3 killed and restarted again and again: up for three ticks (long enough for its ticket to
    /// resolve), unreachable for one, `cycles` times; the last observation sees it down. Without flap
    /// damping each kill after the first reopened the incident and cost a diagnosis.
    static func followerFlapping(_ now: Date, cycles: Int) -> EtcdIncidentScenario {
        let ticksPerCycle = 4
        let start = now.addingTimeInterval(-Double(cycles * ticksPerCycle))
        var snapshots: [EtcdSnapshot] = []
        var logLines: [String] = []
        for cycle in 0..<cycles {
            for tick in 0..<ticksPerCycle {
                let at = start.addingTimeInterval(Double(cycle * ticksPerCycle + tick) + 0.3)
                if tick == ticksPerCycle - 1 {
                    let killed = at.addingTimeInterval(-0.3)
                    snapshots.append(
                        snapshot(
                            at: at,
                            members: [
                                healthy(e1, leader: e1, term: 2, inactivePeers: [e3]), healthy(e2, leader: e1, term: 2, inactivePeers: [e3]),
                                unreachable(e3, since: killed),
                            ],
                            leader: e1, term: 2))
                    logLines += streamLost(at: killed.addingTimeInterval(0.005), from: e1, peer: e3)
                } else {
                    snapshots.append(
                        snapshot(
                            at: at, members: [healthy(e1, leader: e1, term: 2), healthy(e2, leader: e1, term: 2), healthy(e3, leader: e1, term: 2)],
                            leader: e1, term: 2))
                }
            }
        }
        return EtcdIncidentScenario(
            name: "follower e3 flapping (\(cycles) kills)", expectedCategory: "node-down", expectedEntity: Entity(kind: "member", id: "e3"),
            snapshots: snapshots, logLines: logLines)
    }

    // MARK: - Scenarios

    static func followerKilled(_ now: Date, _ ticks: Int) -> EtcdIncidentScenario {
        let killed = now.addingTimeInterval(-Double(ticks) - 0.3)
        let snapshots = (0..<ticks).map { i -> EtcdSnapshot in
            let at = killed.addingTimeInterval(Double(i) + 0.3)
            return snapshot(
                at: at,
                members: [
                    healthy(e1, leader: e1, term: 2, inactivePeers: [e3]), healthy(e2, leader: e1, term: 2, inactivePeers: [e3]),
                    unreachable(e3, since: killed.addingTimeInterval(0.3)),
                ],
                leader: e1, term: 2)
        }
        return EtcdIncidentScenario(
            name: "follower e3 killed", expectedCategory: "node-down", expectedEntity: Entity(kind: "member", id: "e3"),
            snapshots: snapshots,
            logLines: streamLost(at: killed.addingTimeInterval(0.005), from: e1, peer: e3)
                + streamLost(at: killed.addingTimeInterval(0.006), from: e2, peer: e3)
                + peerUnreachable(at: killed.addingTimeInterval(2.1), from: e1, peer: e3))
    }

    static func leaderKilled(_ now: Date, _ ticks: Int) -> EtcdIncidentScenario {
        let killed = now.addingTimeInterval(-Double(ticks) - 0.3)
        // §A: the new leader is elected 1.22 s after the kill.
        let elected = killed.addingTimeInterval(1.22)
        let snapshots = (0..<ticks).map { i -> EtcdSnapshot in
            let at = killed.addingTimeInterval(Double(i) + 0.3)
            let newLeader = at >= elected
            var s = snapshot(
                at: at,
                members: [
                    unreachable(e1, since: killed.addingTimeInterval(0.3)),
                    healthy(e2, leader: newLeader ? e3 : e1, term: newLeader ? 3 : 2, inactivePeers: [e1], leaderChanges: newLeader ? 1 : 0),
                    healthy(e3, leader: newLeader ? e3 : e1, term: newLeader ? 3 : 2, inactivePeers: [e1], leaderChanges: newLeader ? 1 : 0),
                ],
                leader: newLeader ? e3 : e1, term: newLeader ? 3 : 2, leaderReachable: newLeader)
            if newLeader {
                s.previousLeader = EtcdLeaderView(id: e1.id, name: e1.name, term: 2, reachable: false, since: killed)
                s.observedLeaderChanges = 1
            }
            return s
        }
        let t = elected
        let e3hex = e3.id.hex, e1hex = e1.id.hex
        return EtcdIncidentScenario(
            name: "leader e1 killed", expectedCategory: "node-down", expectedEntity: Entity(kind: "member", id: "e1"),
            snapshots: snapshots,
            logLines: streamLost(at: killed.addingTimeInterval(0.005), from: e2, peer: e1)
                + streamLost(at: killed.addingTimeInterval(0.005), from: e3, peer: e1)
                + [
                    zap(t.addingTimeInterval(-0.002), "info", "raft/raft.go:929", "\(e3hex) is starting a new election at term 2"),
                    zap(t.addingTimeInterval(-0.002), "info", "raft/raft.go:719", "\(e3hex) became candidate at term 3"),
                    zap(t.addingTimeInterval(-0.002), "info", "raft/node.go:333", "raft.node: \(e3hex) lost leader \(e1hex) at term 3"),
                    zap(t, "info", "raft/raft.go:1295", "\(e3hex) has received 2 MsgVoteResp votes and 0 vote rejections"),
                    zap(t, "info", "raft/raft.go:771", "\(e3hex) became leader at term 3"),
                    zap(t, "info", "raft/node.go:325", "raft.node: \(e2.id.hex) elected leader \(e3hex) at term 3"),
                    capnslog(t.addingTimeInterval(-0.07), "W", "etcdserver/api/etcdhttp", "/health error; QGET failed etcdserver: request timed out, possibly due to connection lost (status code 503)"),
                ])
    }

    static func quorumLost(_ now: Date, _ ticks: Int) -> EtcdIncidentScenario {
        let killed = now.addingTimeInterval(-Double(ticks) - 0.3)
        let snapshots = (0..<ticks).map { i -> EtcdSnapshot in
            let at = killed.addingTimeInterval(Double(i) + 0.3)
            // §A "Bonus: quorum loss": the survivor steps down after ~1 s, answers /health 503 and status
            // with "etcdserver: no leader", has_leader 0.
            var survivor = healthy(e1, leader: nil, term: UInt64(3 + i), inactivePeers: [e2, e3])
            survivor.healthy = false
            survivor.healthDetail = "GET \(e1.clientURL)/health answered HTTP 503 {\"health\":\"false\"}"
            survivor.consecutiveUnhealthy = i + 1
            survivor.status?.errors = ["etcdserver: no leader"]
            survivor.metrics?.hasLeader = false
            survivor.metrics?.isLeader = false
            var s = snapshot(
                at: at, members: [survivor, unreachable(e2, since: killed), unreachable(e3, since: killed)], leader: nil, term: 3)
            s.previousLeader = EtcdLeaderView(id: e1.id, name: e1.name, term: 2, reachable: true, since: killed)
            s.leaderlessObservations = i + 1
            return s
        }
        return EtcdIncidentScenario(
            name: "quorum lost (e2, e3 killed)", expectedCategory: "quorum-lost", expectedEntity: .cluster, snapshots: snapshots,
            logLines: streamLost(at: killed.addingTimeInterval(0.004), from: e1, peer: e2)
                + streamLost(at: killed.addingTimeInterval(0.004), from: e1, peer: e3)
                + [
                    zap(killed.addingTimeInterval(1.03), "warn", "raft/raft.go:1013", "\(e1.id.hex) stepped down to follower since quorum is not active"),
                    zap(killed.addingTimeInterval(2.2), "info", "raft/raft.go:929", "\(e1.id.hex) is starting a new election at term 3"),
                    capnslog(killed.addingTimeInterval(2.5), "W", "etcdserver/api/etcdhttp", "/health error; no leader (status code 503)"),
                ])
    }

    static func slowDisk(_ now: Date, _ ticks: Int) -> EtcdIncidentScenario {
        let start = now.addingTimeInterval(-Double(ticks))
        let snapshots = (0..<ticks).map { i -> EtcdSnapshot in
            var slow = healthy(e2, leader: e1, term: 2)
            slow.metrics?.walFsyncP99Seconds = 0.9
            slow.metrics?.backendCommitP99Seconds = 0.6
            slow.metrics?.slowAppliesInWindow = 14
            return snapshot(
                at: start.addingTimeInterval(Double(i)), members: [healthy(e1, leader: e1, term: 2), slow, healthy(e3, leader: e1, term: 2)],
                leader: e1, term: 2)
        }
        var lines: [String] = []
        for k in 0..<6 {
            let t = start.addingTimeInterval(-20 + Double(k) * 3)
            lines.append(zap(t, "warn", "wal/wal.go:802", "slow fdatasync", ["took": "1.204s", "expected-duration": "1s"]))
            lines.append(zap(t.addingTimeInterval(0.4), "warn", "etcdserver/util.go:163", "apply request took too long", [
                "took": "612.4ms", "expected-duration": "100ms", "prefix": "read-only range ", "request": "key:\"/registry/leases\" ",
            ]))
        }
        return EtcdIncidentScenario(
            name: "slow disk under e2", expectedCategory: "slow-disk", expectedEntity: Entity(kind: "member", id: "e2"),
            snapshots: snapshots, logLines: lines)
    }

    static func databaseFull(_ now: Date, _ ticks: Int) -> EtcdIncidentScenario {
        let start = now.addingTimeInterval(-Double(ticks))
        // The database file only shrinks on defragmentation, which is per member: e2 was left out after
        // the last compaction, so its file is at 90% of the quota while the others hold 1.2 GB.
        let snapshots = (0..<ticks).map { i -> EtcdSnapshot in
            let members = [e1, e2, e3].map { f -> EtcdMemberState in
                var m = healthy(f, leader: e1, term: 2)
                let size = f.name == "e2" ? 1_932_735_283 + Double(i) * 1_048_576 : 1_288_490_188
                m.metrics?.dbTotalSizeBytes = size
                m.status?.dbSizeBytes = Int64(size)
                m.status?.dbSizeInUseBytes = 1_180_000_000
                return m
            }
            return snapshot(at: start.addingTimeInterval(Double(i)), members: members, leader: e1, term: 2)
        }
        return EtcdIncidentScenario(
            name: "e2's database at 90% of its quota", expectedCategory: "db-quota", expectedEntity: Entity(kind: "member", id: "e2"),
            snapshots: snapshots, logLines: [])
    }

    // MARK: - Building blocks

    static func snapshot(at: Date, members: [EtcdMemberState], leader: Fixture?, term: UInt64, leaderReachable: Bool = true) -> EtcdSnapshot {
        EtcdSnapshot(
            observedAt: at, endpoints: Self.members.map(\.clientURL),
            answeredBy: members.first(where: \.reachable)?.clientURL ?? e1.clientURL, clusterID: clusterID, members: members,
            leader: leader.map { EtcdLeaderView(id: $0.id, name: $0.name, term: term, reachable: leaderReachable, since: at.addingTimeInterval(-600)) },
            metricsSource: "scrape", windowSeconds: 300)
    }

    static func healthy(
        _ f: Fixture, leader: Fixture?, term: UInt64, inactivePeers: [Fixture] = [], leaderChanges: Double = 0
    ) -> EtcdMemberState {
        let peers = members.filter { $0.name != f.name }
        let inactive = Set(inactivePeers.map(\.name))
        let metrics = EtcdMemberMetrics(
            hasLeader: leader != nil, isLeader: leader?.name == f.name, proposalsPending: 0, proposalsCommittedTotal: 48_210,
            proposalsAppliedTotal: 48_210, dbTotalSizeBytes: 20_480, quotaBackendBytes: quota, windowSeconds: 300,
            leaderChangesInWindow: leaderChanges, proposalsFailedInWindow: 0, slowAppliesInWindow: 0, heartbeatSendFailuresInWindow: 0,
            walFsyncP99Seconds: 0.0041, backendCommitP99Seconds: 0.0079,
            peerRoundTripP99Seconds: Dictionary(uniqueKeysWithValues: peers.filter { !inactive.contains($0.name) }.map { ($0.id.hex, 0.0016) }),
            activePeers: Dictionary(uniqueKeysWithValues: peers.map { ($0.id.hex, inactive.contains($0.name) ? 0 : 1) }))
        return EtcdMemberState(
            id: f.id, name: f.name, clientURL: f.clientURL, peerURLs: [f.peerURL], reachable: true, healthy: true,
            status: EtcdMemberStatus(
                version: "3.4.23", dbSizeBytes: 20_480, dbSizeInUseBytes: 16_384, leader: leader?.id, raftTerm: term, raftIndex: 48_230,
                raftAppliedIndex: 48_230),
            metrics: metrics)
    }

    static func unreachable(_ f: Fixture, since: Date) -> EtcdMemberState {
        EtcdMemberState(
            id: f.id, name: f.name, clientURL: f.clientURL, peerURLs: [f.peerURL], reachable: false,
            unreachableReason: "POST \(f.clientURL)/v3/maintenance/status: connection refused (dial tcp 127.0.0.1:\(f.clientPort): connect: connection refused)",
            healthy: nil, downSince: since,
            metricsError: "GET \(f.clientURL)/metrics: connection refused")
    }

    static func streamLost(at t: Date, from: Fixture, peer: Fixture) -> [String] {
        [
            zap(t, "warn", "rafthttp/stream.go:436", "lost TCP streaming connection with remote peer", [
                "stream-reader-type": "stream MsgApp v2", "local-member-id": from.id.hex, "remote-peer-id": peer.id.hex, "error": "unexpected EOF",
            ]),
            zap(t, "warn", "rafthttp/peer_status.go:68", "peer became inactive (message send to peer failed)", [
                "peer-id": peer.id.hex, "error": "failed to read \(peer.id.hex) on stream MsgApp v2 (unexpected EOF)",
            ]),
        ]
    }

    static func peerUnreachable(at t: Date, from: Fixture, peer: Fixture) -> [String] {
        [
            zap(t, "warn", "etcdserver/cluster_util.go:315", "failed to reach the peer URL", [
                "address": "\(peer.peerURL)/version", "remote-member-id": peer.id.hex,
                "error": "Get \"\(peer.peerURL)/version\": dial tcp 127.0.0.1:\(peer.clientPort + 1): connect: connection refused",
            ])
        ]
    }

    /// One zap JSON line as etcd 3.4 writes it.
    static func zap(_ t: Date, _ level: String, _ caller: String, _ message: String, _ fields: [String: String] = [:]) -> String {
        var object: [String: String] = fields
        object["level"] = level
        object["ts"] = Timestamp.format(t)
        object["caller"] = caller
        object["msg"] = message
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// One capnslog line (`2026-11-23 07:06:24.242781 W | package: message`), in UTC.
    static func capnslog(_ t: Date, _ level: String, _ package: String, _ message: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss.SSSSSS"
        return "\(formatter.string(from: t)) \(level) | \(package): \(message)"
    }
}
