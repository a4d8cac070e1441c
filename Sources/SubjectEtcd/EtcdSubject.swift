import Foundation
import Logging
import OperatorCore

/// An etcd cluster observed through its members' client URLs: the v3 JSON gateway (member list,
/// maintenance status), `/health`, `/version`, and metrics from each member's `/metrics` or a Prometheus
/// server.
public struct EtcdSubject: Subject {
    public let name = EtcdRegistration.name
    public let endpoints: [String]
    public let settings: EtcdSettings
    let gateway: EtcdGatewayClient
    let metricsSource: any EtcdMetricsSource
    private let memory = EtcdObservationMemory()
    private let logger: Logger

    public init(configuration: SubjectConfiguration) throws(EtcdSettingsError) {
        endpoints = configuration.endpoints
        settings = try EtcdSettings(configuration.settings)
        gateway = EtcdGatewayClient(timeout: configuration.requestTimeout)
        logger = configuration.logger
        if let prometheus = configuration.prometheusURL {
            metricsSource = PrometheusMetricsSource(
                baseURL: prometheus, timeout: configuration.requestTimeout, logger: configuration.logger)
        } else {
            metricsSource = ScrapedMetricsSource(timeout: configuration.requestTimeout, logger: configuration.logger)
        }
    }

    public var invariants: [any Invariant<EtcdSnapshot>] {
        [
            MemberDownInvariant(unhealthyAfter: settings.unhealthyAfter),
            NoLeaderInvariant(after: settings.noLeaderAfter),
            QuorumLostInvariant(unhealthyAfter: settings.unhealthyAfter),
            LeaderChurnInvariant(maximum: settings.leaderChangesMax),
            FsyncSlowInvariant(thresholdSeconds: settings.fsyncP99Seconds, minimumSamples: settings.fsyncMinSamples),
            DBSizeNearQuotaInvariant(ratio: settings.dbSizeRatio, fallbackQuotaBytes: settings.quotaBackendBytes),
            ProposalsFailingInvariant(maximum: settings.proposalsFailedMax),
        ]
    }

    public var knowledge: EtcdKnowledge {
        EtcdKnowledge(settings: settings, observe: { try await self.observe() }, metricsSource: metricsSource)
    }

    // MARK: - Observation

    public func observe() async throws -> EtcdSnapshot {
        let now = Date()
        let (list, answeredBy, endpointErrors) = try await memberList()
        async let versionAnswer = try? gateway.version(at: answeredBy)
        let targets = list.members.compactMap { m in m.clientURLs.first.map { EtcdMetricsTarget(id: m.id, clientURL: $0) } }
        async let metricsReading = metricsSource.read(targets, window: settings.window)
        let probes = await probeMembers(list.members)
        let metrics = await metricsReading

        // By name, so listings read e1, e2, e3 (etcd lists members by id).
        let listed = list.members.sorted { ($0.name.isEmpty ? $0.id.hex : $0.name) < ($1.name.isEmpty ? $1.id.hex : $1.name) }
        var members = listed.map { m -> EtcdMemberState in
            var state = probes[m.id] ?? Self.notStarted(m)
            state.metrics = metrics.members[m.id]
            state.metricsError = metrics.errors[m.id]
            return state
        }
        let reported = Self.reportedLeader(members)
        let recall = await memory.remember(members: members, reportedLeader: reported, at: now, window: settings.window)
        for i in members.indices {
            members[i].consecutiveUnhealthy = recall.unhealthyStreak[members[i].id] ?? 0
            members[i].downSince = recall.downSince[members[i].id]
        }
        let snapshot = EtcdSnapshot(
            observedAt: now, endpoints: endpoints, answeredBy: answeredBy, endpointErrors: endpointErrors,
            clusterID: list.header?.clusterID, version: await versionAnswer, members: members, leader: recall.leader,
            previousLeader: recall.previousLeader, leaderlessObservations: recall.leaderlessStreak,
            observedLeaderChanges: recall.observedLeaderChanges, metricsSource: metrics.source,
            metricsError: metrics.sourceError, windowSeconds: settings.window.seconds)
        logger.debug(
            "observed etcd",
            metadata: [
                "members": "\(members.count)", "reachable": "\(members.filter(\.reachable).count)",
                "leader": "\(snapshot.leader?.name ?? "none")",
            ])
        return snapshot
    }

    /// The member list from the first endpoint that gives one; every failure is kept for the message.
    private func memberList() async throws -> (EtcdMemberListResponse, String, [String]) {
        var failures: [EtcdGatewayError] = []
        for endpoint in endpoints {
            do {
                let list = try await gateway.memberList(at: endpoint)
                return (list, endpoint, failures.map(\.description))
            } catch {
                failures.append(error)
                logger.debug("member list failed", metadata: ["endpoint": "\(endpoint)", "error": "\(error)"])
            }
        }
        throw EtcdUnobservableError(attempts: failures)
    }

    /// Status and health of every started member, each on its own client URL, all at once.
    private func probeMembers(_ members: [EtcdGatewayMember]) async -> [EtcdMemberID: EtcdMemberState] {
        let gateway = self.gateway
        return await withTaskGroup(of: EtcdMemberState?.self) { group in
            for member in members {
                guard let url = member.clientURLs.first else { continue }
                group.addTask { await Self.probe(member, at: url, gateway: gateway) }
            }
            var out: [EtcdMemberID: EtcdMemberState] = [:]
            for await state in group { if let state { out[state.id] = state } }
            return out
        }
    }

    static func probe(_ m: EtcdGatewayMember, at url: String, gateway: EtcdGatewayClient) async -> EtcdMemberState {
        async let statusResult = result { () async throws(EtcdGatewayError) in try await gateway.status(at: url) }
        async let healthResult = result { () async throws(EtcdGatewayError) in try await gateway.health(at: url) }
        let (status, health) = await (statusResult, healthResult)

        var state = EtcdMemberState(
            id: m.id, name: m.name, clientURL: url, peerURLs: m.peerURLs, isLearner: m.isLearner, reachable: true,
            healthy: nil)
        switch status {
        case .success(let s): state.status = EtcdMemberStatus(s)
        case .failure(let e): state.statusError = e.description
        }
        switch health {
        case .success(let h):
            state.healthy = h.healthy
            state.healthDetail =
                h.healthy ? nil : "GET \(url)/health answered HTTP \(h.httpStatus) {\"health\":\"false\"}\(h.reason.map { ": \($0)" } ?? "")"
        case .failure(let e):
            state.healthDetail = e.description
        }
        // Unreachable only when neither request got an HTTP answer.
        if case .failure(let se) = status, se.isUnreachable, case .failure(let he) = health, he.isUnreachable {
            state.reachable = false
            state.healthy = nil
            if case .unreachable(let cause) = se.kind { state.unreachableReason = cause }
        }
        return state
    }

    private static func result<T>(_ body: () async throws(EtcdGatewayError) -> T) async -> Result<T, EtcdGatewayError> {
        do { return .success(try await body()) } catch { return .failure(error) }
    }

    static func notStarted(_ m: EtcdGatewayMember) -> EtcdMemberState {
        EtcdMemberState(
            id: m.id, name: m.name, clientURL: nil, peerURLs: m.peerURLs, isLearner: m.isLearner, reachable: false,
            unreachableReason: "advertises no client URL: added to the cluster but never started", healthy: nil)
    }

    /// The leader the reachable members report: the one named at the highest term, then by most voices.
    static func reportedLeader(_ members: [EtcdMemberState]) -> EtcdLeaderView? {
        var votes: [EtcdMemberID: (term: UInt64, count: Int)] = [:]
        for m in members where m.reachable {
            guard let s = m.status, let leader = s.leader, !m.reportsNoLeader else { continue }
            let term = s.raftTerm ?? 0
            let existing = votes[leader]
            votes[leader] = (max(existing?.term ?? 0, term), (existing?.count ?? 0) + 1)
        }
        guard let best = votes.max(by: { a, b in a.value.term != b.value.term ? a.value.term < b.value.term : a.value.count < b.value.count })
        else { return nil }
        let member = members.first { $0.id == best.key }
        return EtcdLeaderView(
            id: best.key, name: member?.displayName, term: best.value.term == 0 ? nil : best.value.term,
            reachable: member?.reachable ?? false)
    }
}
