/// Gateway bodies exactly as etcd 3.4.23 wrote them on this machine (etcd-prometheus-observed.md §A).
enum GatewayFixtures {
    static let memberList = #"""
        {"header":{"cluster_id":"968716052297111514","member_id":"6969278951715654196","raft_term":"2"},"members":[{"ID":"119572451437286717","name":"e2","peerURLs":["http://127.0.0.1:22380"],"clientURLs":["http://127.0.0.1:22379"]},{"ID":"6969278951715654196","name":"e1","peerURLs":["http://127.0.0.1:2380"],"clientURLs":["http://127.0.0.1:2379"]},{"ID":"15313379895863577081","name":"e3","peerURLs":["http://127.0.0.1:32380"],"clientURLs":["http://127.0.0.1:32379"]}]}
        """#

    static let status = #"""
        {"header":{"cluster_id":"968716052297111514","member_id":"6969278951715654196","revision":"1","raft_term":"2"},"version":"3.4.23","dbSize":"20480","leader":"6969278951715654196","raftIndex":"17","raftTerm":"2","raftAppliedIndex":"17","dbSizeInUse":"16384"}
        """#

    /// §A "Bonus: quorum loss": HTTP 200, an errors array and no `leader` field.
    static let statusNoLeader = #"""
        {"header":{"cluster_id":"968716052297111514","member_id":"6969278951715654196","revision":"1","raft_term":"16"},"version":"3.4.23","dbSize":"20480","raftIndex":"40","raftTerm":"16","raftAppliedIndex":"40","errors":["etcdserver: no leader"],"dbSizeInUse":"16384"}
        """#

    static let healthy = #"{"health":"true"}"#
    static let unhealthy = #"{"health":"false"}"#
    static let version = #"{"etcdserver":"3.4.23","etcdcluster":"3.4.0"}"#

    /// §A "Client view during election": a linearizable request during an election.
    static let leaderChanged = #"{"error":"etcdserver: leader changed","message":"etcdserver: leader changed","code":14}"#

    /// `POST /v3/maintenance/alarm {"action":"GET"}` after e3 (1 MiB quota) filled up, as etcd 3.4.23 answered
    /// on this machine (README "What real etcd answered"); every member answered the same.
    static let alarmNoSpace = #"{"alarms":[{"memberID":"15313379895863577081","alarm":"NOSPACE"}]}"#
    /// The same request with no alarm active: proto3 leaves the empty list out.
    static let alarmNone = "{}"
    /// maintenance/status while the alarm is active: every member repeats it in `errors` (decimal id, trailing space).
    static let statusNoSpace = #"""
        {"header":{"cluster_id":"968716052297111514","member_id":"6969278951715654196","revision":"9","raft_term":"2"},"version":"3.4.23","dbSize":"1429504","leader":"6969278951715654196","raftIndex":"22","raftTerm":"2","raftAppliedIndex":"22","errors":["memberID:15313379895863577081 alarm:NOSPACE "],"dbSizeInUse":"1130496"}
        """#

    static let e1 = "60b7da48219e4a34"
    static let e2 = "1a8ce82d4d7953d"
    static let e3 = "d4840de1ab8e89f9"
}
