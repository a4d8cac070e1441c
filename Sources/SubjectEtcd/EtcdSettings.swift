import OperatorCore
import OperatorHTTP

/// Thresholds and options from the `subjects.etcd` section of operator.yaml. Every key is optional;
/// unknown keys are errors, so a misspelt threshold never silently falls back to its default.
public struct EtcdSettings: Sendable, Equatable {
    /// Span of counter increases and histogram quantiles (leader changes, failed proposals, fsync p99).
    public var window: Duration = .seconds(300)
    /// Consecutive observations a reachable member must fail `/health` before it counts as down. An
    /// election makes survivors answer 503 for about a second (§A), which must not page anyone.
    public var unhealthyAfter: Int = 3
    /// Consecutive observations without a leader before `no-leader` fires (elections take ~1.2 s, §A).
    public var noLeaderAfter: Int = 2
    /// More leader changes than this within the window is churn.
    public var leaderChangesMax: Double = 3
    /// WAL fsync p99 above this is a slow disk (etcd's own guidance: p99 under 10 ms; alerts at 500 ms).
    public var fsyncP99Seconds: Double = 0.5
    /// Fewer WAL fsyncs than this within the window give no verdict: one slow fsync of three is a p99 of
    /// noise (seen on this machine while a member caught up after a restart).
    public var fsyncMinSamples: Double = 10
    /// Backend commit p99 above this also points at the disk (used by diagnosis).
    public var backendCommitP99Seconds: Double = 0.25
    /// Database size over this share of the backend quota is near the quota.
    public var dbSizeRatio: Double = 0.8
    /// The quota when metrics do not report `etcd_server_quota_backend_bytes`.
    public var quotaBackendBytes: Double?
    /// More failed proposals than this within the window is a failing cluster.
    public var proposalsFailedMax: Double = 5
    /// Pending proposals above this means the leader cannot keep up (used by diagnosis).
    public var proposalsPendingMax: Double = 100
    /// Peer round-trip p99 above this is network lag (used by diagnosis).
    public var peerRoundTripP99Seconds: Double = 0.1
    /// etcd log files whose recent events are gathered as diagnosis evidence.
    public var logFiles: [String] = []
    /// Budget of each request to one member (status, health, alarms, the linearizable read, metrics scrape): a frozen
    /// member costs this once per observation, not the whole tick.
    public var probeTimeout: Duration = .seconds(1)
    /// Consecutive observations a member must stay silent (no answer within `probeTimeout` to status and
    /// health alike) before `member-unresponsive` fires. 1 by default, so a one-shot `operator check` never
    /// calls a frozen member healthy; raise it where a loaded machine makes members slow to answer.
    public var unresponsiveAfter: Int = 1
    /// How long a member that answers again after being down or unresponsive counts as recovering: its
    /// after-effects (a long fsync once resumed, failed proposals, an election) belong to the same fault.
    public var recoveryWindow: Duration = .seconds(60)
    /// How long a member gone from the member list is still reported as removed.
    public var removedWindow: Duration = .seconds(600)

    /// etcd user for clusters with authentication enabled (`etcdctl auth enable`); a read-only role is enough.
    public var username: String?
    /// Where that user's password comes from: a file (`password_file`) or an environment variable
    /// (`password_env`), never operator.yaml itself.
    public var password: SecretSource?

    /// The range `probe_timeout` must lie in.
    public static let probeTimeoutRange: ClosedRange<Duration> = .milliseconds(10)...(.seconds(60))

    public init() {}

    /// The latencies above which a failing `/health` is blamed on the disk.
    public var diskThresholds: EtcdDiskThresholds {
        EtcdDiskThresholds(fsyncP99Seconds: fsyncP99Seconds, backendCommitP99Seconds: backendCommitP99Seconds)
    }

    static let keys: [String: String] = [
        "window": "duration such as 5m",
        "unhealthy_after": "number of observations",
        "no_leader_after": "number of observations",
        "leader_changes_max": "number",
        "fsync_p99": "duration such as 500ms",
        "fsync_min_samples": "number of fsyncs",
        "backend_commit_p99": "duration such as 250ms",
        "db_size_ratio": "ratio between 0 and 1",
        "quota_backend_bytes": "number of bytes",
        "proposals_failed_max": "number",
        "proposals_pending_max": "number",
        "peer_rtt_p99": "duration such as 100ms",
        "log_files": "list of file paths",
        "probe_timeout": "duration such as 1s (10ms to 60s)",
        "unresponsive_after": "number of observations",
        "recovery_window": "duration such as 60s",
        "removed_window": "duration such as 10m",
        "username": "etcd user name (with password_file or password_env)",
        "password_file": "file holding the etcd user's password",
        "password_env": "environment variable holding the etcd user's password",
    ]

    /// Reads the settings section; `.null` gives the defaults.
    public init(_ json: JSONValue) throws(EtcdSettingsError) {
        if json == .null { return }
        guard let object = json.objectValue else {
            throw EtcdSettingsError(key: nil, problem: "the etcd settings must be a mapping of key: value")
        }
        if let unknown = object.keys.filter({ Self.keys[$0] == nil }).sorted().first {
            throw EtcdSettingsError(
                key: unknown, problem: "unknown setting; known: \(Self.keys.keys.sorted().joined(separator: ", "))")
        }
        func duration(_ key: String) throws(EtcdSettingsError) -> Double? {
            guard let v = object[key] else { return nil }
            let seconds: Double
            switch v {
            case .number(let n): seconds = n
            case .string(let s):
                do { seconds = try DurationText.seconds(s) } catch {
                    throw EtcdSettingsError(key: key, problem: error.description)
                }
            default: throw EtcdSettingsError(key: key, problem: "expected a \(Self.keys[key] ?? "duration")")
            }
            guard seconds > 0, seconds.isFinite else { throw EtcdSettingsError(key: key, problem: "must be positive") }
            return seconds
        }
        func number(_ key: String, minimum: Double = 0) throws(EtcdSettingsError) -> Double? {
            guard let v = object[key] else { return nil }
            guard let n = v.doubleValue, n.isFinite else {
                throw EtcdSettingsError(key: key, problem: "expected a \(Self.keys[key] ?? "number"), got \(v.jsonText)")
            }
            guard n >= minimum else { throw EtcdSettingsError(key: key, problem: "must be at least \(minimum)") }
            return n
        }
        func count(_ key: String) throws(EtcdSettingsError) -> Int? {
            guard let n = try number(key, minimum: 1) else { return nil }
            guard let i = Int(checking: n) else { throw EtcdSettingsError(key: key, problem: "\(n) is too large for a count") }
            return i
        }
        if let s = try duration("window") {
            guard let d = Duration.checkedSeconds(s) else {
                throw EtcdSettingsError(key: "window", problem: "too large for a duration (at most about 292 years)")
            }
            window = d
        }
        if let n = try count("unhealthy_after") { unhealthyAfter = n }
        if let n = try count("no_leader_after") { noLeaderAfter = n }
        if let n = try number("leader_changes_max") { leaderChangesMax = n }
        if let s = try duration("fsync_p99") { fsyncP99Seconds = s }
        if let n = try number("fsync_min_samples") { fsyncMinSamples = n }
        if let s = try duration("backend_commit_p99") { backendCommitP99Seconds = s }
        if let n = try number("db_size_ratio") {
            guard n <= 1 else { throw EtcdSettingsError(key: "db_size_ratio", problem: "must be between 0 and 1") }
            dbSizeRatio = n
        }
        if let n = try number("quota_backend_bytes", minimum: 1) { quotaBackendBytes = n }
        if let n = try number("proposals_failed_max") { proposalsFailedMax = n }
        if let n = try number("proposals_pending_max") { proposalsPendingMax = n }
        if let s = try duration("peer_rtt_p99") { peerRoundTripP99Seconds = s }
        if let s = try duration("probe_timeout") {
            guard let d = Duration.checkedSeconds(s), Self.probeTimeoutRange.contains(d) else {
                throw EtcdSettingsError(
                    key: "probe_timeout",
                    problem: "\(DurationText.format(seconds: s)) is out of range; allowed \(DurationText.format(Self.probeTimeoutRange.lowerBound))…\(DurationText.format(Self.probeTimeoutRange.upperBound))")
            }
            probeTimeout = d
        }
        if let n = try count("unresponsive_after") { unresponsiveAfter = n }
        for (key, apply) in [
            ("recovery_window", { (d: Duration, s: inout EtcdSettings) in s.recoveryWindow = d }),
            ("removed_window", { (d: Duration, s: inout EtcdSettings) in s.removedWindow = d }),
        ] {
            if let seconds = try duration(key) {
                guard let d = Duration.checkedSeconds(seconds) else {
                    throw EtcdSettingsError(key: key, problem: "too large for a duration (at most about 292 years)")
                }
                apply(d, &self)
            }
        }
        if let v = object["log_files"] {
            guard let list = v.arrayValue?.compactMap(\.stringValue), list.count == v.arrayValue?.count else {
                throw EtcdSettingsError(key: "log_files", problem: "expected a list of file paths")
            }
            logFiles = list
        }
        try readAuthentication(object)
    }

    private mutating func readAuthentication(_ object: [String: JSONValue]) throws(EtcdSettingsError) {
        func text(_ key: String) throws(EtcdSettingsError) -> String? {
            guard let v = object[key] else { return nil }
            guard let s = v.stringValue, !s.isEmpty else {
                throw EtcdSettingsError(key: key, problem: "expected a \(Self.keys[key] ?? "text")")
            }
            return s
        }
        if object["password"] != nil {
            throw EtcdSettingsError(
                key: "password", problem: "a password is never read from operator.yaml; put it in a file (password_file) or an environment variable (password_env)")
        }
        let user = try text("username")
        let file = try text("password_file")
        let env = try text("password_env")
        switch (user, file, env) {
        case (nil, nil, nil):
            return
        case (nil, _, _):
            throw EtcdSettingsError(key: "username", problem: "password_file/password_env are set without username; name the etcd user")
        case (_?, nil, nil):
            throw EtcdSettingsError(key: "username", problem: "set password_file or password_env for the etcd user's password")
        case (_?, _?, _?):
            throw EtcdSettingsError(key: "password_file", problem: "set password_file or password_env, not both")
        case (let user?, let file, let env):
            username = user
            password = file.map { .file($0) } ?? env.map { .environment($0) }
        }
    }
}

public struct EtcdSettingsError: Error, CustomStringConvertible, Sendable {
    public let key: String?
    public let problem: String

    public var description: String {
        if let key { return "etcd setting \(key): \(problem) (in the subjects.etcd section of operator.yaml)" }
        return problem
    }
}
