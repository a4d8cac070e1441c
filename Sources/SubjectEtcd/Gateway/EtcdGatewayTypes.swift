import Foundation

// Shapes of the etcd v3 JSON gateway (grpc-gateway, proto3 JSON) as etcd 3.4.23 answered on this machine:
// etcd-prometheus-observed.md §A "Healthy responses", "Bonus: quorum loss". Proto3 JSON leaves out fields
// holding their zero value, so every field here may be absent: `isLearner` when false, `leader` when the
// member knows no leader, `name` and `clientURLs` for a member added but never started.

/// `header` of every gateway response. Its keys are snake_case, unlike the rest of the body.
public struct EtcdResponseHeader: Sendable, Equatable {
    public var clusterID: EtcdMemberID?
    public var memberID: EtcdMemberID?
    public var revision: Int64?
    public var raftTerm: UInt64?
}

/// `POST /v3/cluster/member/list`.
public struct EtcdMemberListResponse: Sendable, Equatable {
    public var header: EtcdResponseHeader?
    public var members: [EtcdGatewayMember]
}

public struct EtcdGatewayMember: Sendable, Equatable {
    public var id: EtcdMemberID
    /// Empty for a member that was added but has not started yet.
    public var name: String
    public var peerURLs: [String]
    public var clientURLs: [String]
    public var isLearner: Bool
}

/// `POST /v3/maintenance/status` on one member.
public struct EtcdStatusResponse: Sendable, Equatable {
    public var header: EtcdResponseHeader?
    public var version: String?
    public var dbSize: Int64?
    public var dbSizeInUse: Int64?
    /// Absent (zero) when the member knows no leader.
    public var leader: EtcdMemberID?
    public var raftIndex: UInt64?
    public var raftTerm: UInt64?
    public var raftAppliedIndex: UInt64?
    /// Alarms and conditions, e.g. `["etcdserver: no leader"]` under quorum loss.
    public var errors: [String]
    public var isLearner: Bool
}

/// `GET /health`: 200 `{"health":"true"}` or 503 `{"health":"false"}`.
public struct EtcdHealthResponse: Sendable, Equatable {
    public var healthy: Bool
    public var httpStatus: Int
    /// etcd 3.5 adds `reason`; 3.4 says nothing, so this is usually nil.
    public var reason: String?
}

/// `POST /v3/maintenance/alarm` (`{"action":"GET"}`): every active alarm in the cluster. `memberID` is the
/// member that raised it, as a decimal string; `alarm` is `NOSPACE` or `CORRUPT` (proto3 omits `NONE`).
public struct EtcdAlarmResponse: Sendable, Equatable {
    public var alarms: [EtcdAlarm]
}

public struct EtcdAlarm: Sendable, Equatable, Hashable {
    public var memberID: EtcdMemberID
    public var kind: String

    public init(memberID: EtcdMemberID, kind: String) {
        self.memberID = memberID
        self.kind = kind
    }

    /// Reads the `errors` strings of maintenance/status, which repeat the alarms as
    /// `memberID:15695783766060356008 alarm:NOSPACE ` (decimal id, trailing space).
    public static func parse(statusError text: String) -> EtcdAlarm? {
        var id: UInt64?
        var kind: String?
        for part in text.split(separator: " ") {
            if part.hasPrefix("memberID:") { id = UInt64(part.dropFirst("memberID:".count)) }
            if part.hasPrefix("alarm:") { kind = String(part.dropFirst("alarm:".count)) }
        }
        guard let id, id != 0, let kind, !kind.isEmpty else { return nil }
        return EtcdAlarm(memberID: EtcdMemberID(id), kind: kind)
    }
}

/// `GET /version`: `{"etcdserver":"3.4.23","etcdcluster":"3.4.0"}`.
public struct EtcdVersionResponse: Sendable, Equatable, Codable {
    public var server: String
    public var cluster: String

    enum CodingKeys: String, CodingKey {
        case server = "etcdserver"
        case cluster = "etcdcluster"
    }
}

// MARK: - Decoding

/// Reads gateway JSON by hand so every complaint names the field (`members[2].ID`) and what was there.
enum GatewayJSON {
    struct Malformed: Error {
        var field: String
        var problem: String
    }

    typealias Object = [String: Any]

    static func object(_ data: Data) throws(Malformed) -> Object {
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw Malformed(field: "body", problem: "not JSON")
        }
        guard let object = parsed as? Object else { throw Malformed(field: "body", problem: "not a JSON object") }
        return object
    }

    /// A uint64 the gateway writes as a decimal string; etcdctl -w json writes a bare number, accepted
    /// when it is an integer that survived the trip (below 2^53).
    static func uint64(_ object: Object, _ key: String, at path: String) throws(Malformed) -> UInt64? {
        guard let raw = object[key], !(raw is NSNull) else { return nil }
        if let text = raw as? String {
            guard let v = UInt64(text) else {
                throw Malformed(field: path + key, problem: "expected a decimal uint64 string, got \"\(text.prefix(40))\"")
            }
            return v
        }
        if let number = raw as? NSNumber, !isBoolean(number) {
            // Exact only when the parser kept the integer (JSONSerialization does for integer literals).
            guard let v = UInt64(number.stringValue) else {
                throw Malformed(field: path + key, problem: "number \(number) is not a uint64; expected a decimal string")
            }
            return v
        }
        throw Malformed(field: path + key, problem: "expected a decimal uint64 string, got \(kind(of: raw))")
    }

    static func int64(_ object: Object, _ key: String, at path: String) throws(Malformed) -> Int64? {
        guard let v = try uint64(object, key, at: path) else { return nil }
        guard v <= UInt64(Int64.max) else { throw Malformed(field: path + key, problem: "value \(v) is out of range") }
        return Int64(v)
    }

    static func id(_ object: Object, _ key: String, at path: String) throws(Malformed) -> EtcdMemberID? {
        // A zero id means "none" in proto3 (leader 0 = no leader).
        guard let v = try uint64(object, key, at: path), v != 0 else { return nil }
        return EtcdMemberID(v)
    }

    static func string(_ object: Object, _ key: String, at path: String) throws(Malformed) -> String? {
        guard let raw = object[key], !(raw is NSNull) else { return nil }
        guard let s = raw as? String else {
            throw Malformed(field: path + key, problem: "expected a string, got \(kind(of: raw))")
        }
        return s
    }

    static func strings(_ object: Object, _ key: String, at path: String) throws(Malformed) -> [String] {
        guard let raw = object[key], !(raw is NSNull) else { return [] }
        guard let list = raw as? [Any] else {
            throw Malformed(field: path + key, problem: "expected an array of strings, got \(kind(of: raw))")
        }
        var out: [String] = []
        for (i, item) in list.enumerated() {
            guard let s = item as? String else {
                throw Malformed(field: "\(path)\(key)[\(i)]", problem: "expected a string, got \(kind(of: item))")
            }
            out.append(s)
        }
        return out
    }

    static func bool(_ object: Object, _ key: String, at path: String) throws(Malformed) -> Bool {
        guard let raw = object[key], !(raw is NSNull) else { return false }
        if let n = raw as? NSNumber, isBoolean(n) { return n.boolValue }
        if let s = raw as? String, s == "true" || s == "false" { return s == "true" }
        throw Malformed(field: path + key, problem: "expected true or false, got \(kind(of: raw))")
    }

    static func header(_ object: Object) throws(Malformed) -> EtcdResponseHeader? {
        guard let raw = object["header"] else { return nil }
        guard let h = raw as? Object else { throw Malformed(field: "header", problem: "expected an object") }
        return EtcdResponseHeader(
            clusterID: try id(h, "cluster_id", at: "header."), memberID: try id(h, "member_id", at: "header."),
            revision: try int64(h, "revision", at: "header."), raftTerm: try uint64(h, "raft_term", at: "header."))
    }

    static func kind(of value: Any) -> String {
        switch value {
        case let n as NSNumber: return isBoolean(n) ? "a boolean" : "the number \(n)"
        case is String: return "a string"
        case is [Any]: return "an array"
        case is Object: return "an object"
        default: return "null"
        }
    }

    private static func isBoolean(_ n: NSNumber) -> Bool {
        // JSONSerialization gives JSON true/false as the boolean subclass (objCType "c"); integers 0 and 1
        // are plain NSNumbers.
        type(of: n) != NSNumber.self && String(cString: n.objCType) == "c"
    }
}

extension EtcdMemberListResponse {
    init(json data: Data) throws(GatewayJSON.Malformed) {
        let o = try GatewayJSON.object(data)
        header = try GatewayJSON.header(o)
        guard let raw = o["members"] else {
            throw GatewayJSON.Malformed(field: "members", problem: "missing; a member list always names at least one member")
        }
        guard let list = raw as? [Any] else {
            throw GatewayJSON.Malformed(field: "members", problem: "expected an array, got \(GatewayJSON.kind(of: raw))")
        }
        var members: [EtcdGatewayMember] = []
        for (i, item) in list.enumerated() {
            let path = "members[\(i)]."
            guard let m = item as? GatewayJSON.Object else {
                throw GatewayJSON.Malformed(field: "members[\(i)]", problem: "expected an object")
            }
            guard let id = try GatewayJSON.id(m, "ID", at: path) else {
                throw GatewayJSON.Malformed(field: path + "ID", problem: "missing or zero")
            }
            members.append(
                EtcdGatewayMember(
                    id: id, name: try GatewayJSON.string(m, "name", at: path) ?? "",
                    peerURLs: try GatewayJSON.strings(m, "peerURLs", at: path),
                    clientURLs: try GatewayJSON.strings(m, "clientURLs", at: path),
                    isLearner: try GatewayJSON.bool(m, "isLearner", at: path)))
        }
        self.members = members
    }
}

extension EtcdStatusResponse {
    init(json data: Data) throws(GatewayJSON.Malformed) {
        let o = try GatewayJSON.object(data)
        header = try GatewayJSON.header(o)
        version = try GatewayJSON.string(o, "version", at: "")
        dbSize = try GatewayJSON.int64(o, "dbSize", at: "")
        dbSizeInUse = try GatewayJSON.int64(o, "dbSizeInUse", at: "")
        leader = try GatewayJSON.id(o, "leader", at: "")
        raftIndex = try GatewayJSON.uint64(o, "raftIndex", at: "")
        raftTerm = try GatewayJSON.uint64(o, "raftTerm", at: "")
        raftAppliedIndex = try GatewayJSON.uint64(o, "raftAppliedIndex", at: "")
        errors = try GatewayJSON.strings(o, "errors", at: "")
        isLearner = try GatewayJSON.bool(o, "isLearner", at: "")
    }
}

extension EtcdHealthResponse {
    /// 3.4 writes `"health":"true"` as a string; later versions may write a boolean.
    init(json data: Data, httpStatus: Int) throws(GatewayJSON.Malformed) {
        let o = try GatewayJSON.object(data)
        guard o["health"] != nil else {
            throw GatewayJSON.Malformed(field: "health", problem: "missing; expected {\"health\":\"true\"}")
        }
        healthy = try GatewayJSON.bool(o, "health", at: "")
        self.httpStatus = httpStatus
        reason = try GatewayJSON.string(o, "reason", at: "").flatMap { $0.isEmpty ? nil : $0 }
    }
}

extension EtcdAlarmResponse {
    init(json data: Data) throws(GatewayJSON.Malformed) {
        let o = try GatewayJSON.object(data)
        guard let raw = o["alarms"], !(raw is NSNull) else {
            alarms = []  // proto3: no alarms, no key
            return
        }
        guard let list = raw as? [Any] else {
            throw GatewayJSON.Malformed(field: "alarms", problem: "expected an array, got \(GatewayJSON.kind(of: raw))")
        }
        var out: [EtcdAlarm] = []
        for (i, item) in list.enumerated() {
            let path = "alarms[\(i)]."
            guard let a = item as? GatewayJSON.Object else {
                throw GatewayJSON.Malformed(field: "alarms[\(i)]", problem: "expected an object")
            }
            guard let id = try GatewayJSON.id(a, "memberID", at: path) else {
                throw GatewayJSON.Malformed(field: path + "memberID", problem: "missing or zero")
            }
            // proto3 leaves out NONE (0); an alarm entry without a kind raises nothing.
            guard let kind = try GatewayJSON.string(a, "alarm", at: path), !kind.isEmpty, kind != "NONE" else { continue }
            out.append(EtcdAlarm(memberID: id, kind: kind))
        }
        alarms = out
    }
}

/// The gateway's error body: `{"error":"etcdserver: leader changed","message":"…","code":14}`.
struct EtcdGatewayErrorBody {
    var message: String
    var code: Int?

    init?(json data: Data) {
        guard let o = try? GatewayJSON.object(data) else { return nil }
        guard let text = (o["message"] as? String) ?? (o["error"] as? String) else { return nil }
        message = text
        code = (o["code"] as? NSNumber)?.intValue
    }
}
