/// gRPC message types a TiKV store reports in `tikv_grpc_msg_duration_seconds{type}` (§2.1), with
/// the share of client load, median latency and whether they write.
enum GRPCMessageType: Int, CaseIterable, Sendable {
    case kvGet, kvBatchGet, kvScan, kvPrewrite, kvCommit, rawGet, rawPut, coprocessor

    var label: String {
        switch self {
        case .kvGet: return "kv_get"
        case .kvBatchGet: return "kv_batch_get"
        case .kvScan: return "kv_scan"
        case .kvPrewrite: return "kv_prewrite"
        case .kvCommit: return "kv_commit"
        case .rawGet: return "raw_get"
        case .rawPut: return "raw_put"
        case .coprocessor: return "coprocessor"
        }
    }

    var loadShare: Double {
        switch self {
        case .kvGet: return 0.40
        case .kvBatchGet: return 0.10
        case .kvScan: return 0.05
        case .kvPrewrite: return 0.15
        case .kvCommit: return 0.15
        case .rawGet: return 0.05
        case .rawPut: return 0.05
        case .coprocessor: return 0.05
        }
    }

    /// Share of a write hotspot's extra load.
    var hotWriteShare: Double {
        switch self {
        case .kvPrewrite, .kvCommit: return 0.4
        case .rawPut: return 0.2
        default: return 0
        }
    }

    var baseMedianSeconds: Double {
        switch self {
        case .kvGet: return 0.0008
        case .kvBatchGet: return 0.0015
        case .kvScan: return 0.003
        case .kvPrewrite: return 0.003
        case .kvCommit: return 0.0025
        case .rawGet: return 0.0006
        case .rawPut: return 0.0018
        case .coprocessor: return 0.006
        }
    }

    var isWrite: Bool { self == .kvPrewrite || self == .kvCommit || self == .rawPut }
}

/// Threads whose CPU time TiKV exports in `tikv_thread_cpu_seconds_total{name,tid}` (sanitised
/// names, §2.1), with each one's share of the process CPU.
enum TiKVThread {
    static let all: [(name: String, tid: Int, share: Double, raftstore: Bool)] = [
        ("raftstore_1_0", 101, 0.12, true),
        ("raftstore_1_1", 102, 0.11, true),
        ("apply_0", 111, 0.08, false),
        ("apply_1", 112, 0.07, false),
        ("sched_worker_0", 121, 0.10, false),
        ("sched_worker_1", 122, 0.09, false),
        ("grpc_server_0", 131, 0.14, false),
        ("grpc_server_1", 132, 0.13, false),
        ("cop_normal0", 141, 0.06, false),
        ("rocksdb_low0", 151, 0.10, false),
    ]
}

/// What a store is doing at an instant: request rates, latency distributions, CPU.
struct StoreActivity: Sendable {
    var grpcQPS = [Double](repeating: 0, count: GRPCMessageType.allCases.count)
    var grpcLatency = GRPCMessageType.allCases.map { LogNormal(median: $0.baseMedianSeconds) }
    var grpcFailRate = [Double](repeating: 0, count: GRPCMessageType.allCases.count)
    var cpuCores: Double = 0
    var raftstoreCPUBoost: Double = 0
    /// Raft log writes per second (append, commit and apply are observed once each).
    var raftOpsPerSecond: Double = 0
    var appendLatency = LogNormal(median: 0.0006)
    var commitLatency = LogNormal(median: 0.0015)
    var applyLatency = LogNormal(median: 0.0004)
    /// `tikv_raftstore_request_wait_time_duration_secs`: how long a proposal waits for raftstore to take it.
    var proposeWait = LogNormal(median: 0.0002)
    var logLagObservationsPerSecond: Double = 0
    var logLag = LogNormal(median: 1, sigma: 0.8)
    var regionHeartbeatsPerSecond: Double = 0
    /// Raft messages to dead stores that failed, per second, by the dead store's id.
    var unreachablePerSecond: [UInt64: Double] = [:]
    var writesRejectedForDiskFull = false
    /// Writes the scheduler rejected as ServerIsBusy per second (`tikv_scheduler_too_busy_total`).
    var schedulerBusyPerSecond: Double = 0
    /// RocksDB is stalling writes (`tikv_engine_write_stall`, `tikv_engine_write_stall_reason`).
    var writeStalled = false

    var writeQPS: Double {
        GRPCMessageType.allCases.filter(\.isWrite).reduce(0) { $0 + grpcQPS[$1.rawValue] }
    }
    var totalQPS: Double { grpcQPS.reduce(0, +) }
}
