import DeployLocal
import Foundation
import Logging
import OperatorCore
import OperatorHTTP
import OperatorTestSupport
import ServiceLifecycle
import Synchronization
import Testing

@testable import SubjectEtcd

#if canImport(Glibc)
import Glibc
#endif

/// The monitor over a real etcd cluster with liveness signals. The regular schedule is an hour in the
/// signal tests, so any tick after the first came through the signal path: checked by its trigger, never
/// by how fast it came.
@Suite("etcd liveness signals (process backend)", .serialized)
struct EtcdLivenessSignalTests {
    final class Reports: Sendable {
        let all = Mutex<[TickReport]>([])
        var count: Int { all.withLock { $0.count } }
        var list: [TickReport] { all.withLock { $0 } }
    }

    func withMonitor(
        _ cluster: RealEtcdCluster, interval: Duration, probeTimeout: String = "1s",
        _ body: (EtcdSubject, SQLiteTicketStore, Reports) async throws -> Void
    ) async throws {
        let subject = try EtcdSubject(
            configuration: SubjectConfiguration(endpoints: cluster.endpoints, settings: ["probe_timeout": .string(probeTimeout)]))
        let store = try SQLiteTicketStore(path: cluster.directory.path + "/operator.db")
        let reports = Reports()
        let monitor = MonitorService(
            subject: subject, store: store, configuration: MonitorConfiguration(interval: interval, tickTimeout: .seconds(30)),
            logger: Logger(label: "test"), onTick: { r in reports.all.withLock { $0.append(r) } })
        let group = ServiceGroup(services: [monitor], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            defer { tasks.cancelAll() }
            try await body(subject, store, reports)
            await group.triggerGracefulShutdown()
            try await tasks.next()
        }
    }

    static var canKillSockets: Bool { ExecutableLookup.find("ss") != nil && getuid() == 0 }

    @Test(
        "a connection reset of a live member opens no ticket; the leader's SIGKILL is ticketed by the signalled tick",
        .enabled(if: RealEtcdCluster.installed, "etcd is not installed: apt-get install etcd-server"),
        .enabled(if: canKillSockets, "needs root and ss -K to reset a TCP connection"))
    func resetThenKill() async throws {
        let cluster = try RealEtcdCluster()
        defer { cluster.cleanup() }
        _ = try await cluster.deployment.up { _ in }
        try await withMonitor(cluster, interval: .seconds(3600)) { subject, store, reports in
            try await eventually("the first tick saw a leader") { reports.count >= 1 }
            let first = try #require(reports.list.first)
            #expect(first.trigger == .schedule)
            #expect(!first.violations.contains { $0.invariant == "member-down" }, "\(first.violations.map(\.message))")
            let leader = try #require(try await subject.observe().leader?.name)
            let member = try #require(cluster.plan.members.first { $0.entity.id == leader })
            let port = try #require(URL(string: member.endpoint)?.port)

            // Reset every connection this process holds to the leader's client port, the watch's included.
            try await eventually("the watch holds a connection to \(member.entity)") {
                NodeConnectionWatch.heldConnections(to: "127.0.0.1", port: port) == 1
            }
            let before = try await ownConnections(to: port)
            for local in before { try await run("/usr/bin/env", ["ss", "-K", "src", local, "dst", "127.0.0.1:\(port)"]) }
            try await eventually("the watch reconnected after the reset") {
                let now = try await ownConnections(to: port)
                return NodeConnectionWatch.heldConnections(to: "127.0.0.1", port: port) == 1 && !now.isEmpty
                    && now.allSatisfy { !before.contains($0) }
            }
            // The watch reconnects only after its confirming connect was accepted: the decision is made.
            #expect(reports.count == 1, "no signalled tick for a reset: \(reports.list.map(\.trigger))")
            #expect(try await !store.tickets(.all).contains { $0.invariant == "member-down" })

            try await cluster.deployment.kill(member.entity)
            try await eventually("a tick ticketed \(member.entity) as down", within: .seconds(120)) {
                reports.list.contains { $0.outcome?.opened.contains { $0.invariant == "member-down" && $0.entity == member.entity } == true }
            }
            let ticketing = try #require(reports.list.first { $0.outcome?.opened.contains { $0.invariant == "member-down" } == true })
            #expect(ticketing.trigger.signal?.entity == member.entity, "ticketed through the signal path: \(ticketing.trigger)")
            #expect(ticketing.trigger.signal?.reason.contains("refused") == true, "\(ticketing.trigger)")
            #expect(try await store.tickets(.open).filter { $0.invariant == "member-down" }.map(\.entity) == [member.entity])
        }
        try await cluster.deployment.down(removeState: true)
    }

    @Test(
        "a SIGSTOPped member keeps its connections: the regular tick reports it unresponsive",
        .enabled(if: RealEtcdCluster.installed, "etcd is not installed: apt-get install etcd-server"))
    func frozenMemberByTheRegularTick() async throws {
        let cluster = try RealEtcdCluster()
        defer { cluster.cleanup() }
        _ = try await cluster.deployment.up { _ in }
        try await withMonitor(cluster, interval: .milliseconds(500), probeTimeout: "300ms") { subject, store, reports in
            try await eventually("a first tick") { reports.count >= 1 }
            let leader = try await subject.observe().leader?.name
            let follower = try #require(cluster.plan.members.first { $0.entity.id != leader })
            try await cluster.deployment.inject(DeploymentFault(kind: "stop", entity: follower.entity))
            try await eventually("member-unresponsive on \(follower.entity)", within: .seconds(120)) {
                reports.list.contains { $0.outcome?.opened.contains { $0.invariant == "member-unresponsive" && $0.entity == follower.entity } == true }
            }
            let ticketing = try #require(reports.list.first { $0.outcome?.opened.contains { $0.invariant == "member-unresponsive" } == true })
            #expect(ticketing.trigger == .schedule, "a frozen process holds its connections: no signal, \(ticketing.trigger)")
            #expect(!reports.list.contains { $0.trigger.signal?.entity == follower.entity })
            #expect(try await !store.tickets(.all).contains { $0.invariant == "member-down" })
            try await cluster.deployment.lift(DeploymentFault(kind: "stop", entity: follower.entity))
        }
        try await cluster.deployment.down(removeState: true)
    }

    /// Local `address:port`s of this process's established connections to a loopback port.
    func ownConnections(to port: Int) async throws -> [String] {
        let out = try await run("/usr/bin/env", ["ss", "-tnpH", "state", "established", "dst", "127.0.0.1:\(port)"])
        let mark = "pid=\(getpid()),"
        return out.split(separator: "\n").filter { $0.contains(mark) }.compactMap { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            return fields.count > 2 ? String(fields[2]) : nil
        }
    }

    @discardableResult
    func run(_ executable: String, _ arguments: [String]) async throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        // Small output (a few lines): read after exit, waiting without blocking a thread.
        let deadline = ContinuousClock.now + .seconds(30)
        while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        return String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }
}
