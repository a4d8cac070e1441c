import AsyncHTTPClient
import Foundation
import NIOCore
import OperatorCore
import OperatorHTTP

/// Faults etcd injects into itself through its v3 JSON gateway, as an operator with etcdctl would:
/// `nospace` (write until the member raises the NOSPACE alarm), `move-leader` (transfer leadership to the
/// member), `member-remove` (remove it from the membership; the backend then stops its process).
/// Wire shapes as observed on etcd 3.4.23 (etcd-prometheus-observed.md §A): POST bodies are JSON, keys and
/// values base64, uint64 ids decimal strings.
///
/// A secured cluster: every request goes through `OperatorHTTPClient.fetch`, so it uses the calling task's
/// TLS settings (the cluster's `HTTPSecurityScope`), and with an ``EtcdFaultCredentials`` it carries an
/// etcd token. These requests need an admin: etcd lets only root transfer leadership, remove members,
/// defragment and disarm alarms, so Operator's read-only observing user is not enough.
public struct EtcdProcessFaults: RecipeFaultHandler {
    /// Keys the `nospace` fault writes, so its lift deletes exactly them.
    static let nospacePrefix = "/operator-fault/nospace/"
    /// Value written per request: 64 KiB.
    static let nospaceValueBytes = 64 << 10
    /// Writes before giving up: 512 × 64 KiB = 32 MiB, far above the quota a scenario sets.
    static let nospaceMaximumWrites = 512

    /// Who the fault requests authenticate as; `.environment` reads etcdctl's variables when a fault runs.
    let credentials: EtcdFaultCredentials

    public init(credentials: EtcdFaultCredentials = .environment) {
        self.credentials = credentials
    }

    public var offers: [FaultOffer] {
        [
            FaultOffer(
                kind: "nospace", entityKinds: ["member"],
                summary: "write 64 KiB values through the member until etcd raises the NOSPACE alarm (deploy with --option quota-backend-bytes=…)",
                lift: "delete the keys, compact, defragment every member, disarm the alarm"),
            FaultOffer(
                kind: "move-leader", entityKinds: ["member", Entity.cluster.kind],
                summary: "transfer leadership to the member (etcdctl move-leader; nothing when it leads already); on `cluster`, to the first follower"),
            FaultOffer(
                kind: "member-remove", entityKinds: ["member"],
                summary: "remove the member from the cluster (etcdctl member remove), then stop its process; cannot be lifted (re-adding needs a fresh data directory)"),
        ]
    }

    /// The etcd session of the fault being applied: every `post` of it carries the session's token.
    @TaskLocal static var session: EtcdAuthSession?

    public func inject(_ fault: DeploymentFault, cluster: RecipeFaultCluster) async throws {
        try await credentials.applying(fault) { try await injectAsIs(fault, cluster: cluster) }
    }

    public func lift(_ fault: DeploymentFault, cluster: RecipeFaultCluster) async throws {
        try await credentials.applying(fault) { try await liftAsIs(fault, cluster: cluster) }
    }

    private func injectAsIs(_ fault: DeploymentFault, cluster: RecipeFaultCluster) async throws {
        if fault.kind == "move-leader", fault.entity == .cluster {
            return try await moveLeader(to: try await firstFollower(cluster: cluster, fault: fault), cluster: cluster, fault: fault)
        }
        let target = try member(fault.entity, in: cluster)
        switch fault.kind {
        case "nospace": try await fillUntilNoSpace(through: target, cluster: cluster, fault: fault)
        case "move-leader": try await moveLeader(to: target, cluster: cluster, fault: fault)
        case "member-remove": try await remove(target, cluster: cluster, fault: fault)
        default: throw EtcdFaultError(fault: fault, reason: "unknown kind")
        }
    }

    private func liftAsIs(_ fault: DeploymentFault, cluster: RecipeFaultCluster) async throws {
        guard fault.kind == "nospace" else {
            throw EtcdFaultError(fault: fault, reason: "\(fault.kind) cannot be lifted")
        }
        try await clearNoSpace(cluster: cluster, fault: fault)
    }

    // MARK: - nospace

    private func fillUntilNoSpace(through target: RecipeFaultCluster.Member, cluster: RecipeFaultCluster, fault: DeploymentFault) async throws {
        let value = Data(repeating: UInt8(ascii: "x"), count: Self.nospaceValueBytes).base64EncodedString()
        for index in 0..<Self.nospaceMaximumWrites {
            let key = Data((Self.nospacePrefix + String(format: "%06d", index)).utf8).base64EncodedString()
            let answer = try await post(target.endpoint, "/v3/kv/put", ["key": key, "value": value], fault: fault, acceptErrors: true)
            if let message = answer["error"] as? String {
                guard message.contains("database space exceeded") else {
                    throw EtcdFaultError(fault: fault, reason: "put through \(target.endpoint) failed: \(message)")
                }
                break
            }
        }
        // The alarm is raised by the member whose quota was exceeded; wait until the cluster lists it.
        for _ in 0..<50 {
            let raised = try await alarms(at: target.endpoint, fault: fault)
            if !raised.isEmpty {
                let ids = try await memberIDs(cluster: cluster, fault: fault)
                guard let targetID = ids[target.entity.id ?? ""], !raised.contains(where: { $0.memberID == targetID }) else { return }
                // Another member's smaller quota filled first: the cluster is in NOSPACE, but not by the member named.
                let names = raised.map { alarm in ids.first { $0.value == alarm.memberID }.map { "member:\($0.key)" } ?? alarm.memberID }
                throw EtcdFaultError(
                    fault: fault,
                    reason: "the NOSPACE alarm was raised by \(names.joined(separator: ", ")), whose quota filled first, not by \(target.entity); the cluster refuses writes now (`operator chaos lift nospace \(target.entity)` clears it); give \(target.entity) the smallest quota (--option quota-backend-bytes=\(target.entity.id ?? "")=1048576)")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw EtcdFaultError(
            fault: fault,
            reason: "no NOSPACE alarm after writing \(Self.nospaceMaximumWrites * Self.nospaceValueBytes >> 20) MiB; deploy with a small quota (--option quota-backend-bytes=1048576)")
    }

    private func clearNoSpace(cluster: RecipeFaultCluster, fault: DeploymentFault) async throws {
        let running = cluster.members.filter(\.running)
        guard let any = running.first else { throw EtcdFaultError(fault: fault, reason: "no member is running") }
        let start = Data(Self.nospacePrefix.utf8).base64EncodedString()
        var end = Array(Self.nospacePrefix.utf8)
        end[end.count - 1] &+= 1  // the prefix's range end: last byte + 1 ("/" → "0")
        _ = try await post(any.endpoint, "/v3/kv/deleterange", ["key": start, "range_end": Data(end).base64EncodedString()], fault: fault)
        let status = try await post(any.endpoint, "/v3/maintenance/status", [:], fault: fault)
        if let header = status["header"] as? [String: Any], let revision = header["revision"] as? String {
            _ = try await post(any.endpoint, "/v3/kv/compaction", ["revision": revision, "physical": true], fault: fault)
        }
        for member in running {
            _ = try await post(member.endpoint, "/v3/maintenance/defragment", [:], fault: fault, deadline: .seconds(60))
        }
        for alarm in try await alarms(at: any.endpoint, fault: fault) {
            var body: [String: Any] = ["action": "DEACTIVATE", "alarm": alarm.alarm]
            body["memberID"] = alarm.memberID
            _ = try await post(any.endpoint, "/v3/maintenance/alarm", body, fault: fault)
        }
    }

    private struct Alarm {
        var memberID: String
        var alarm: String
    }

    /// `{"alarms":[{"memberID":"17388709221138134918","alarm":"NOSPACE"}]}`, `{}` when none.
    private func alarms(at endpoint: String, fault: DeploymentFault) async throws -> [Alarm] {
        let answer = try await post(endpoint, "/v3/maintenance/alarm", ["action": "GET"], fault: fault)
        return (answer["alarms"] as? [[String: Any]] ?? []).compactMap { item in
            guard let id = item["memberID"] as? String else { return nil }
            return Alarm(memberID: id, alarm: item["alarm"] as? String ?? "NOSPACE")
        }
    }

    // MARK: - move-leader

    private func moveLeader(to target: RecipeFaultCluster.Member, cluster: RecipeFaultCluster, fault: DeploymentFault) async throws {
        guard target.running else { throw EtcdFaultError(fault: fault, reason: "\(target.entity) is not running") }
        let ids = try await memberIDs(cluster: cluster, fault: fault)
        guard let targetID = ids[target.entity.id ?? ""] else {
            throw EtcdFaultError(fault: fault, reason: "\(target.entity) is not in the member list (\(ids.keys.sorted().joined(separator: ", ")))")
        }
        let status = try await post(target.endpoint, "/v3/maintenance/status", [:], fault: fault)
        guard let leaderID = status["leader"] as? String else { throw EtcdFaultError(fault: fault, reason: "the cluster has no leader") }
        // Already leading: nothing to transfer (a scenario's setup uses this to fix who leads).
        guard leaderID != targetID else { return }
        guard let leader = ids.first(where: { $0.value == leaderID }),
            let leaderMember = cluster.members.first(where: { $0.entity.id == leader.key })
        else {
            throw EtcdFaultError(fault: fault, reason: "the leader \(leaderID) is not a member of this deployment")
        }
        // Only the leader accepts the request ("etcdserver: not leader" elsewhere).
        _ = try await post(leaderMember.endpoint, "/v3/maintenance/transfer-leadership", ["targetID": targetID], fault: fault, deadline: .seconds(15))
        for _ in 0..<50 {
            let now = try await post(target.endpoint, "/v3/maintenance/status", [:], fault: fault)
            if now["leader"] as? String == targetID { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw EtcdFaultError(fault: fault, reason: "the transfer was accepted but \(target.entity) did not become leader within 5 s")
    }

    /// The first running member (by name) that does not lead.
    private func firstFollower(cluster: RecipeFaultCluster, fault: DeploymentFault) async throws -> RecipeFaultCluster.Member {
        let ids = try await memberIDs(cluster: cluster, fault: fault)
        let running = cluster.members.filter(\.running).sorted { $0.entity < $1.entity }
        guard let any = running.first else { throw EtcdFaultError(fault: fault, reason: "no member is running") }
        let leaderID = try await post(any.endpoint, "/v3/maintenance/status", [:], fault: fault)["leader"] as? String
        guard let follower = running.first(where: { ids[$0.entity.id ?? ""] != leaderID }) else {
            throw EtcdFaultError(fault: fault, reason: "no running follower to lead")
        }
        return follower
    }

    // MARK: - member-remove

    private func remove(_ target: RecipeFaultCluster.Member, cluster: RecipeFaultCluster, fault: DeploymentFault) async throws {
        let ids = try await memberIDs(cluster: cluster, fault: fault, excluding: target.entity)
        guard let id = ids[target.entity.id ?? ""] else {
            throw EtcdFaultError(fault: fault, reason: "\(target.entity) is not in the member list (\(ids.keys.sorted().joined(separator: ", ")))")
        }
        guard let other = cluster.members.first(where: { $0.running && $0.entity != target.entity }) else {
            throw EtcdFaultError(fault: fault, reason: "no other running member to ask")
        }
        // etcd refuses a reconfiguration ("etcdserver: unhealthy cluster") until its members have been
        // connected for its health interval (5 s), as right after start-up: ask again until then.
        let deadline = ContinuousClock.now + .seconds(20)
        while true {
            let answer = try await post(other.endpoint, "/v3/cluster/member/remove", ["ID": id], fault: fault, acceptErrors: true, deadline: .seconds(15))
            guard let message = answer["error"] as? String ?? answer["message"] as? String else { break }
            guard message.contains("unhealthy cluster"), ContinuousClock.now < deadline else {
                throw EtcdFaultError(fault: fault, reason: "POST \(other.endpoint)/v3/cluster/member/remove: \(message)")
            }
            try await Task.sleep(for: .milliseconds(500))
        }
        // etcd 3.4 shuts a removed member down itself; stop it as an operator would, whatever it does.
        try await cluster.stopMember(target.entity, "removed from the cluster (member-remove) at \(Timestamp.format(Date()))")
    }

    /// Member name → decimal id, from the first running member that answers.
    private func memberIDs(cluster: RecipeFaultCluster, fault: DeploymentFault, excluding: Entity? = nil) async throws -> [String: String] {
        var lastError: (any Error)?
        for member in cluster.members where member.running && member.entity != excluding {
            do {
                let answer = try await post(member.endpoint, "/v3/cluster/member/list", [:], fault: fault)
                var ids: [String: String] = [:]
                for item in answer["members"] as? [[String: Any]] ?? [] {
                    if let name = item["name"] as? String, let id = item["ID"] as? String, UInt64(id) != nil { ids[name] = id }
                }
                return ids
            } catch {
                lastError = error
            }
        }
        throw lastError ?? EtcdFaultError(fault: fault, reason: "no running member to list the members")
    }

    // MARK: - HTTP

    private func member(_ entity: Entity, in cluster: RecipeFaultCluster) throws -> RecipeFaultCluster.Member {
        guard let member = cluster.members.first(where: { $0.entity == entity }) else {
            throw EtcdFaultError(
                fault: DeploymentFault(kind: "", entity: entity),
                reason: "not a member of this deployment; members: \(cluster.members.map(\.entity.description).joined(separator: ", "))")
        }
        return member
    }

    /// POSTs JSON to the gateway; a non-2xx answer fails naming the URL and etcd's message, unless
    /// `acceptErrors` (the caller reads `error` itself).
    private func post(
        _ endpoint: String, _ path: String, _ body: [String: Any], fault: DeploymentFault, acceptErrors: Bool = false,
        deadline: Duration = .seconds(10)
    ) async throws -> [String: Any] {
        let url = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) + path : endpoint + path
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        let data: Data
        do { data = try JSONSerialization.data(withJSONObject: body) } catch {
            throw EtcdFaultError(fault: fault, reason: "cannot encode the request to \(url)")
        }
        request.body = .bytes(ByteBuffer(bytes: data))
        var response = try await send(request, to: endpoint, fault: fault, deadline: deadline)
        if let session = Self.session, EtcdAuthSession.isTokenRejected(status: response.status, body: Data(response.body.readableBytesView)) {
            // The token expired (or the member restarted): once more with a new one.
            session.invalidate(at: Self.base(endpoint))
            response = try await send(request, to: endpoint, fault: fault, deadline: deadline)
        }
        let object = (try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))) as? [String: Any] ?? [:]
        if !(200..<300).contains(response.status), !acceptErrors {
            let message = object["message"] as? String ?? String(buffer: response.body).prefix(300).description
            throw EtcdFaultError(fault: fault, reason: "POST \(url) answered HTTP \(response.status): \(message)\(Self.authHint(message))")
        }
        return object
    }
}

extension EtcdProcessFaults {
    /// One request, with the member's token when the fault runs with a session (etcd's bare-token header).
    private func send(_ request: HTTPClientRequest, to endpoint: String, fault: DeploymentFault, deadline: Duration) async throws -> HTTPFetchResponse {
        var request = request
        if let session = Self.session {
            do {
                let token = try await session.token(at: Self.base(endpoint), timeout: deadline, maxBodyBytes: 1 << 20)
                request.headers.replaceOrAdd(name: "Authorization", value: token)
            } catch {
                throw EtcdFaultError(fault: fault, reason: error.description)
            }
        }
        do {
            return try await OperatorHTTPClient.fetch(request, deadline: deadline, maxBodyBytes: 1 << 20)
        } catch {
            throw EtcdFaultError(fault: fault, reason: error.description)
        }
    }

    /// What to do when etcd refused the request for want of a user or a permission.
    static func authHint(_ message: String) -> String {
        if message.contains("user name is empty") || message.contains("invalid auth token") {
            return Self.session == nil
                ? "; the cluster has authentication enabled: give an admin user as etcdctl takes it (ETCDCTL_USER=root:<password>, or ETCDCTL_USER=root with ETCDCTL_PASSWORD)"
                : "; etcd did not accept the token of user \(Self.session?.username ?? "")"
        }
        if message.contains("permission denied") {
            return "; user \(Self.session?.username ?? "(none)") may not do this: etcd lets only root transfer leadership, remove members, defragment and disarm alarms"
        }
        return ""
    }

    static func base(_ endpoint: String) -> String { endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint }
}

/// An etcd fault that could not be applied, naming the fault and what went wrong.
public struct EtcdFaultError: Error, CustomStringConvertible {
    public var fault: DeploymentFault
    public var reason: String
    public var description: String { "cannot apply \(fault): \(reason)" }
}
