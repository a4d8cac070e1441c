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
    /// Per-member probes: status, health, alarms, the linearizable read (the probe budget).
    let gateway: EtcdGatewayClient
    /// The same probes within `hurriedProbeBudget`, for the observation right after a confirmed death.
    let hurriedGateway: EtcdGatewayClient
    /// Deaths the liveness watch confirmed, not yet looked at (`EtcdDeathNotices`).
    let deathNotices = EtcdDeathNotices()
    /// Cluster-wide requests: the member list and version, asked of every endpoint at once (the request
    /// budget: with all endpoints asked together, one frozen endpoint does not delay the answer).
    let clusterGateway: EtcdGatewayClient
    let metricsSource: any EtcdMetricsSource
    private let memory = EtcdObservationMemory()
    private let logger: Logger

    public init(configuration: SubjectConfiguration) throws(EtcdSettingsError) {
        endpoints = configuration.endpoints
        settings = try EtcdSettings(configuration.settings)
        // Each member gets its own short budget; a smaller --request-timeout still wins.
        let probeBudget = min(settings.probeTimeout, configuration.requestTimeout)
        // One session for both: a member's token serves its probes and the cluster-wide calls alike.
        var auth: EtcdAuthSession?
        if let user = settings.username, let password = settings.password {
            auth = EtcdAuthSession(username: user, password: password)
        }
        gateway = EtcdGatewayClient(timeout: probeBudget, auth: auth)
        hurriedGateway = EtcdGatewayClient(timeout: min(probeBudget, Self.hurriedProbeBudget), auth: auth)
        clusterGateway = EtcdGatewayClient(timeout: configuration.requestTimeout, auth: auth)
        logger = configuration.logger
        if let prometheus = configuration.prometheusURL {
            metricsSource = PrometheusMetricsSource(
                baseURL: prometheus, timeout: configuration.requestTimeout, logger: configuration.logger)
        } else {
            metricsSource = ScrapedMetricsSource(timeout: probeBudget, logger: configuration.logger)
        }
    }

    /// Probe budget of the observation after a confirmed death: a refusal comes back in a millisecond; a
    /// live member's status (served locally) in a few; what waits for a leader is not waited for.
    static let hurriedProbeBudget: Duration = .milliseconds(250)

    public var invariants: [any Invariant<EtcdSnapshot>] {
        [
            MemberDownInvariant(),
            MemberUnresponsiveInvariant(after: settings.unresponsiveAfter),
            MemberUnhealthyInvariant(unhealthyAfter: settings.unhealthyAfter, disk: settings.diskThresholds),
            MemberRemovedInvariant(),
            AlarmActiveInvariant(),
            NoLeaderInvariant(after: settings.noLeaderAfter),
            QuorumLostInvariant(after: settings.noLeaderAfter),
            LeaderChurnInvariant(maximum: settings.leaderChangesMax),
            LeaderChangedInvariant(recentSeconds: settings.recoveryWindow.seconds),
            FsyncSlowInvariant(thresholdSeconds: settings.fsyncP99Seconds, minimumSamples: settings.fsyncMinSamples),
            DBSizeNearQuotaInvariant(ratio: settings.dbSizeRatio, fallbackQuotaBytes: settings.quotaBackendBytes),
            ProposalsFailingInvariant(maximum: settings.proposalsFailedMax),
        ]
    }

    /// A watch stream held to every member: a killed member is looked at within milliseconds, not at the
    /// next interval (`EtcdLivenessSource`).
    public var liveness: (any LivenessSource)? {
        EtcdLivenessSource(endpoints: endpoints, gateway: clusterGateway, notices: deathNotices, logger: logger)
    }

    public var knowledge: EtcdKnowledge {
        EtcdKnowledge(settings: settings, observe: { try await self.observe() }, metricsSource: metricsSource)
    }

    // MARK: - Observation

    public func observe() async throws -> EtcdSnapshot {
        let now = Date()
        let (list, answeredBy, endpointErrors) = try await memberList()
        async let versionAnswer = try? clusterGateway.version(at: answeredBy)
        let targets = list.members.compactMap { m in m.clientURLs.first.map { EtcdMetricsTarget(id: m.id, clientURL: $0) } }
        async let metricsReading = metricsSource.read(targets, window: settings.window)
        let probes = await probeMembers(list.members, leaderBound: deathNotices.take() ? hurriedGateway : gateway)
        let metrics = await metricsReading

        // By name, so listings read e1, e2, e3 (etcd lists members by id).
        let listed = list.members.sorted { ($0.name.isEmpty ? $0.id.hex : $0.name) < ($1.name.isEmpty ? $1.id.hex : $1.name) }
        let members = listed.map { m -> ProbeResult in
            var probe = probes[m.id] ?? ProbeResult(state: Self.notStarted(m))
            probe.state.metrics = metrics.members[m.id]
            probe.state.metricsError = metrics.errors[m.id]
            return probe
        }
        let reported = Self.reportedLeader(members.map(\.state))
        let recall = await memory.remember(members: members.map(\.state), reportedLeader: reported, at: now, window: settings.window)
        let names = Dictionary(list.members.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
            .merging(await memory.removedNames(), uniquingKeysWith: { a, _ in a })
        let alarms = Self.alarms(members, names: names)
        let episode = Self.unhealthyEpisode(
            members.map(\.state), streaks: recall.unhealthyStreak, leader: recall.leader, alarms: alarms, settings: settings)
        let membership = await memory.rememberMembership(
            members: members.map(\.state), at: now, recoveryWindow: settings.recoveryWindow, removedWindow: settings.removedWindow,
            unhealthyEpisode: episode)
        let read = Self.readCheck(members)
        var states = members.map(\.state)
        for i in states.indices {
            let id = states[i].id
            states[i].consecutiveUnhealthy = recall.unhealthyStreak[id] ?? 0
            states[i].downSince = recall.downSince[id]
            states[i].consecutiveSilent = membership.silentStreak[id] ?? 0
            if let r = membership.recovering[id] {
                states[i].recoveringFrom = r.from
                states[i].recoveringSince = r.since
            }
            let c = states[i].condition(alarms: alarms, disk: settings.diskThresholds)
            states[i].state = c.health
            states[i].stateReason = c.reason
        }
        let snapshot = EtcdSnapshot(
            observedAt: now, endpoints: endpoints, answeredBy: answeredBy, endpointErrors: endpointErrors,
            clusterID: list.header?.clusterID, version: await versionAnswer, members: states, leader: recall.leader,
            previousLeader: recall.previousLeader, leaderlessObservations: recall.leaderlessStreak,
            observedLeaderChanges: recall.observedLeaderChanges, metricsSource: metrics.source,
            metricsError: metrics.sourceError, windowSeconds: settings.window.seconds, alarms: alarms, linearizableRead: read,
            removedMembers: membership.removed)
        logger.debug(
            "observed etcd",
            metadata: [
                "members": "\(states.count)", "reachable": "\(states.filter(\.reachable).count)",
                "leader": "\(snapshot.leader?.name ?? "none")",
            ])
        return snapshot
    }

    /// The member list from whichever endpoint answers first: all are asked at once and the rest cancelled,
    /// so a frozen first endpoint delays nothing while another answers (measured: README, "Timing").
    /// Failures seen before the answer are kept for the message.
    private func memberList() async throws -> (EtcdMemberListResponse, String, [String]) {
        let gateway = self.clusterGateway
        let endpoints = self.endpoints
        let outcome = await withTaskGroup(of: (Int, Result<EtcdMemberListResponse, EtcdGatewayError>).self) { group in
            for (i, endpoint) in endpoints.enumerated() {
                group.addTask { (i, await Self.result { () async throws(EtcdGatewayError) in try await gateway.memberList(at: endpoint) }) }
            }
            var failures: [(Int, EtcdGatewayError)] = []
            for await (i, result) in group {
                switch result {
                case .success(let list):
                    group.cancelAll()
                    return (Optional((list, endpoints[i])), failures)
                case .failure(let error): failures.append((i, error))
                }
            }
            return (nil, failures)
        }
        let failures = outcome.1.sorted { $0.0 < $1.0 }.map(\.1)
        for f in failures { logger.debug("member list failed", metadata: ["endpoint": "\(f.url)", "error": "\(f)"]) }
        guard let (list, endpoint) = outcome.0 else { throw EtcdUnobservableError(attempts: failures) }
        return (list, endpoint, failures.map(\.description))
    }

    /// What one member's probes found, besides its state: the alarms and read it reported.
    struct ProbeResult: Sendable {
        var state: EtcdMemberState
        var alarms: [EtcdAlarm] = []
        /// nil when the member did not answer the read request at all.
        var readAnswer: String?
        var readSucceeded = false
    }

    /// Status, health, alarms and a linearizable read of every started member, each on its own client URL,
    /// all at once, each request within the probe budget.
    /// `leaderBound` carries the requests that wait for a leader (health, alarms, the read); status, served
    /// by the member alone, always has the full probe budget, so a loaded machine never makes a live
    /// member look silent.
    private func probeMembers(_ members: [EtcdGatewayMember], leaderBound: EtcdGatewayClient) async -> [EtcdMemberID: ProbeResult] {
        let gateway = self.gateway
        return await withTaskGroup(of: ProbeResult?.self) { group in
            for member in members {
                guard let url = member.clientURLs.first else { continue }
                group.addTask { await Self.probe(member, at: url, gateway: gateway, leaderBound: leaderBound) }
            }
            var out: [EtcdMemberID: ProbeResult] = [:]
            for await result in group { if let result { out[result.state.id] = result } }
            return out
        }
    }

    /// Active alarms as the answering members report them (the alarm list, else the `errors` of status),
    /// each once, with the raising member's name.
    static func alarms(_ probes: [ProbeResult], names: [EtcdMemberID: String]) -> [EtcdAlarmView] {
        var seen: Set<EtcdAlarm> = []
        for p in probes where p.state.reachable {
            seen.formUnion(p.alarms)
            for text in p.state.status?.errors ?? [] { if let a = EtcdAlarm.parse(statusError: text) { seen.insert(a) } }
        }
        return seen.map { a in
            EtcdAlarmView(memberID: a.memberID, memberName: names[a.memberID].flatMap { $0.isEmpty ? nil : $0 }, kind: a.kind)
        }
        .sorted { ($0.memberID, $0.kind) < ($1.memberID, $1.kind) }
    }

    /// Members whose failing `/health` is their own fault (what `member-unhealthy` reports: a slow disk, a
    /// failure, or no leader while another member leads), for `unhealthy_after` observations in a row.
    static func unhealthyEpisode(
        _ members: [EtcdMemberState], streaks: [EtcdMemberID: Int], leader: EtcdLeaderView?, alarms: [EtcdAlarmView],
        settings: EtcdSettings
    ) -> Set<EtcdMemberID> {
        Set(
            members.filter { m in
                guard m.reachable, m.healthy != true, (streaks[m.id] ?? 0) >= settings.unhealthyAfter else { return false }
                switch m.condition(alarms: alarms, disk: settings.diskThresholds).health {
                case .slowDisk, .failing: return true
                case .noLeader: return leader.map { $0.reachable && $0.id != m.id } ?? false
                default: return false
                }
            }.map(\.id))
    }

    /// The linearizable read succeeded if any answering member served it.
    static func readCheck(_ probes: [ProbeResult]) -> EtcdReadCheck? {
        let answered = probes.filter { $0.state.reachable && $0.readAnswer != nil }
        guard !answered.isEmpty else { return nil }
        return EtcdReadCheck(
            succeeded: answered.contains(where: \.readSucceeded),
            answers: Dictionary(answered.map { ($0.state.displayName, $0.readAnswer ?? "") }, uniquingKeysWith: { a, _ in a }))
    }

    static func probe(
        _ m: EtcdGatewayMember, at url: String, gateway: EtcdGatewayClient, leaderBound: EtcdGatewayClient? = nil
    ) async -> ProbeResult {
        let started = ContinuousClock.now
        let waiting = leaderBound ?? gateway
        async let statusResult = result { () async throws(EtcdGatewayError) in try await gateway.status(at: url) }
        async let healthResult = result { () async throws(EtcdGatewayError) in try await waiting.health(at: url) }
        async let alarmResult = result { () async throws(EtcdGatewayError) in try await waiting.alarms(at: url) }
        async let readResult = result { () async throws(EtcdGatewayError) in try await waiting.linearizableRead(at: url) }
        let (status, health, alarms, read) = await (statusResult, healthResult, alarmResult, readResult)

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
        state.probeSeconds = (ContinuousClock.now - started).seconds
        var out = ProbeResult(state: state)
        if case .success(let a) = alarms { out.alarms = a.alarms }
        switch read {
        case .success: (out.readAnswer, out.readSucceeded) = ("served", true)
        case .failure(let e) where !e.isUnreachable: out.readAnswer = e.description
        case .failure(let e): out.readAnswer = e.isNoAnswer ? "no answer within the probe budget" : nil
        }
        // Unreachable only when neither request got an HTTP answer; silent when one of them ran out of
        // budget rather than being refused (a frozen process still accepts connections).
        if case .failure(let se) = status, se.isUnreachable, case .failure(let he) = health, he.isUnreachable {
            out.state.reachable = false
            out.state.healthy = nil
            out.state.timedOut = se.isNoAnswer || he.isNoAnswer
            switch se.kind {
            case .unreachable(let cause), .noAnswer(let cause): out.state.unreachableReason = cause
            default: break
            }
        }
        return out
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
