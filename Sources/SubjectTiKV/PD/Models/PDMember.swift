/// A PD member (kvproto `pdpb.Member`; every field `omitempty`, tikv-interfaces.md §1.1).
public struct PDMember: Sendable, Hashable, Codable {
    public var name: String?
    /// uint64; routinely larger than Int64.max.
    public var memberID: PDUInt64?
    public var peerURLs: [String]?
    public var clientURLs: [String]?
    public var leaderPriority: Int?
    public var deployPath: String?
    public var binaryVersion: String?
    public var gitHash: String?
    public var dcLocation: String?

    public init(name: String?, memberID: UInt64?, clientURLs: [String]? = nil) {
        self.name = name
        self.memberID = memberID.map { PDUInt64($0) }
        self.clientURLs = clientURLs
    }

    enum CodingKeys: String, CodingKey {
        case name
        case memberID = "member_id"
        case peerURLs = "peer_urls"
        case clientURLs = "client_urls"
        case leaderPriority = "leader_priority"
        case deployPath = "deploy_path"
        case binaryVersion = "binary_version"
        case gitHash = "git_hash"
        case dcLocation = "dc_location"
    }
}

/// `GET /pd/api/v1/members` (`pdpb.GetMembersResponse`).
public struct PDMembers: Sendable, Hashable, Codable {
    public struct Header: Sendable, Hashable, Codable {
        public var clusterID: PDUInt64?
        enum CodingKeys: String, CodingKey { case clusterID = "cluster_id" }
    }

    public var header: Header?
    public var members: [PDMember]
    /// Absent while no PD leader is elected.
    public var leader: PDMember?
    public var etcdLeader: PDMember?

    enum CodingKeys: String, CodingKey {
        case header, members, leader
        case etcdLeader = "etcd_leader"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        header = try c.decodeIfPresent(Header.self, forKey: .header)
        members = try c.decodeIfPresent([PDMember].self, forKey: .members) ?? []
        leader = try c.decodeIfPresent(PDMember.self, forKey: .leader)
        etcdLeader = try c.decodeIfPresent(PDMember.self, forKey: .etcdLeader)
    }
}

/// One element of `GET /pd/api/v1/health`: whether the member answered `/pd/api/v1/ping` within 3 s.
public struct PDMemberHealth: Sendable, Hashable, Codable {
    public var name: String
    public var memberID: PDUInt64
    public var clientURLs: [String]
    public var health: Bool

    public init(name: String, memberID: UInt64, clientURLs: [String], health: Bool) {
        self.name = name
        self.memberID = PDUInt64(memberID)
        self.clientURLs = clientURLs
        self.health = health
    }

    enum CodingKeys: String, CodingKey {
        case name
        case memberID = "member_id"
        case clientURLs = "client_urls"
        case health
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        memberID = try c.decodeIfPresent(PDUInt64.self, forKey: .memberID) ?? 0
        clientURLs = try c.decodeIfPresent([String].self, forKey: .clientURLs) ?? []
        health = try c.decodeIfPresent(Bool.self, forKey: .health) ?? false
    }
}

/// `GET /pd/api/v1/status`.
public struct PDStatus: Sendable, Hashable, Codable {
    public var buildTS: String?
    public var version: String?
    public var gitHash: String?
    /// Unix seconds.
    public var startTimestamp: Int64?
    public var kernelType: String?

    enum CodingKeys: String, CodingKey {
        case buildTS = "build_ts"
        case version
        case gitHash = "git_hash"
        case startTimestamp = "start_timestamp"
        case kernelType = "kernel_type"
    }
}

/// `GET /pd/api/v1/version`.
public struct PDVersion: Sendable, Hashable, Codable {
    public var version: String
}
