import Foundation
import NIOCore

/// A valid `GET /pd/api/v1/stores` body of about a given size: `{"count":N,"stores":[…]}` with N stores shaped
/// like PD 8.5's (tikv-interfaces.md §1.2; the same fields as Tests/SubjectTiKVTests/Fixtures/pd/stores.json),
/// about 1 KB each, as PD writes them (compact JSON).
enum StoresBody {
    static func make(minimumBytes: Int) -> (body: ByteBuffer, stores: Int) {
        // Count first, then write straight into one buffer: no list of element strings is left behind
        // to inflate the baseline a measurement starts from.
        var size = 0
        var count = 0
        while size < minimumBytes {
            count += 1
            size += store(id: count).utf8.count + 1
        }
        var buffer = ByteBuffer()
        buffer.reserveCapacity(size + 64)
        buffer.writeString("{\"count\":\(count),\"stores\":[")
        for id in 1...max(1, count) {
            if id > 1 { buffer.writeString(",") }
            buffer.writeString(store(id: id))
        }
        buffer.writeString("]}")
        return (buffer, count)
    }

    private static func store(id: Int) -> String {
        let host = "tikv-\(id).tikv-peer.tidb-cluster.svc"
        return """
            {"store":{"id":\(id),"address":"\(host):20160","labels":[{"key":"zone","value":"z\(id % 3)"},{"key":"host","value":"h\(id)"}],\
            "version":"8.5.0","peer_address":"\(host):20160","status_address":"\(host):20180",\
            "git_hash":"a5f6b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3","start_timestamp":1735095903,"deploy_path":"/",\
            "last_heartbeat":1735098083480549971,"node_state":1,"state_name":"Up"},\
            "status":{"capacity":"311.7GiB","available":"222.1GiB","used_size":"290.7MiB","leader_count":\(id % 97),\
            "leader_weight":1,"leader_score":\(id % 97),"leader_size":\(id % 97),"region_count":\(id % 300),"region_weight":1,\
            "region_score":127.39,"region_size":\(id % 300),"slow_score":1,"sending_snap_count":0,"receiving_snap_count":0,\
            "start_ts":"2024-12-25T03:05:03Z","last_heartbeat_ts":"2024-12-25T03:41:23.480549971Z","uptime":"36m20.480549971s"}}
            """
    }
}
