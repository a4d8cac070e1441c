import Foundation

/// Writes realistic TiKV and PD log text: lines in the real unified format (or its JSON variant) with a
/// mix of catalogue events and the everyday noise around them, reproducible from a seed.
///
/// Messages, sources and field names follow tikv-interfaces.md §3; values include the quoting edge
/// cases real logs have (escaped quotes and brackets in `err`, `=` in values, quoted keys, Unicode,
/// `[<unknown>]` gRPC lines, the raw `[slow-query]` message, legacy `[region N] P` raft messages).
/// Tests compare what a parser finds against ``expectedEventsByKind``; `operator bench` builds
/// multi-gigabyte files with ``write(toPath:minimumBytes:)``.
public struct TiKVLogGenerator: Sendable {
    public enum Format: String, Sendable, Codable, CaseIterable {
        case unified
        case json
    }

    public struct Options: Sendable {
        public var seed: UInt64
        public var format: Format
        /// Share of lines that are catalogue events (the rest is noise the parser ignores).
        public var eventShare: Double
        /// Every n-th line is garbage (binary bytes, a cut-off line); `nil` for none.
        public var garbageEvery: Int?
        /// Store ids to name; regions and peers are spread over them.
        public var storeIDs: [Int]
        public var regionCount: Int
        /// Time of the first line, and the mean gap between lines.
        public var start: Date
        public var meanIntervalMilliseconds: Int
        /// The offset timestamps are written in (TiKV writes the server's local zone).
        public var utcOffsetMinutes: Int

        public init(
            seed: UInt64 = 1, format: Format = .unified, eventShare: Double = 0.15, garbageEvery: Int? = nil,
            storeIDs: [Int] = [1, 4, 5], regionCount: Int = 2000,
            start: Date = Date(timeIntervalSince1970: 1_723_024_800), meanIntervalMilliseconds: Int = 3,
            utcOffsetMinutes: Int = 8 * 60
        ) {
            self.seed = seed
            self.format = format
            self.eventShare = eventShare
            self.garbageEvery = garbageEvery
            self.storeIDs = storeIDs.isEmpty ? [1] : storeIDs
            self.regionCount = max(1, regionCount)
            self.start = start
            self.meanIntervalMilliseconds = max(0, meanIntervalMilliseconds)
            self.utcOffsetMinutes = utcOffsetMinutes
        }
    }

    /// What a generated file holds.
    public struct Summary: Sendable, Equatable {
        public var bytes: Int
        public var lines: Int
        public var events: Int
        public var noise: Int
        public var garbage: Int
    }

    public let options: Options
    /// Catalogue events written so far, by kind name.
    public private(set) var expectedEventsByKind: [String: Int] = [:]
    public private(set) var linesWritten = 0
    public private(set) var noiseWritten = 0
    public private(set) var garbageWritten = 0
    public var eventsWritten: Int { expectedEventsByKind.values.reduce(0, +) }

    private var random: SplitMix64
    private var clock: Int64

    public init(options: Options = Options()) {
        self.options = options
        self.random = SplitMix64(seed: options.seed)
        self.clock = Int64((options.start.timeIntervalSince1970 * 1000).rounded())
    }

    /// The next line, without a newline.
    public mutating func nextLine() -> String {
        linesWritten += 1
        clock += Int64(random.below(2 * options.meanIntervalMilliseconds + 1))
        let time = TiKVLogTime.format(unixMilliseconds: clock, offsetMinutes: options.utcOffsetMinutes)
        if let every = options.garbageEvery, every > 0, linesWritten % every == 0 {
            garbageWritten += 1
            return garbage(time: time)
        }
        let record: TiKVLogRecordWriter.Record
        if random.unit() < options.eventShare {
            let (kind, r) = event()
            expectedEventsByKind[kind.rawValue, default: 0] += 1
            record = r
        } else {
            noiseWritten += 1
            record = noise()
        }
        var line = ""
        line.reserveCapacity(256)
        switch options.format {
        case .unified: TiKVLogRecordWriter.unified(record, time: time, into: &line)
        case .json: TiKVLogRecordWriter.json(record, time: time, into: &line)
        }
        return line
    }

    /// Appends lines to a new file at `path` until it holds at least `minimumBytes`; replaces any file
    /// there. Memory stays at one write buffer whatever the size.
    @discardableResult
    public mutating func write(toPath path: String, minimumBytes: Int) throws -> Summary {
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw GeneratorError(path: path, reason: "cannot create the file; check the directory exists and is writable")
        }
        let handle: FileHandle
        do {
            handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        } catch {
            throw GeneratorError(path: path, reason: "cannot open for writing: \(error.localizedDescription)")
        }
        defer { try? handle.close() }
        let startLines = linesWritten, startEvents = eventsWritten
        let startNoise = noiseWritten, startGarbage = garbageWritten
        var written = 0
        var buffer: [UInt8] = []
        buffer.reserveCapacity((1 << 20) + 4096)
        while written + buffer.count < minimumBytes {
            buffer.append(contentsOf: nextLine().utf8)
            buffer.append(0x0A)
            if buffer.count >= 1 << 20 {
                written += buffer.count
                try flush(&buffer, to: handle, path: path)
            }
        }
        written += buffer.count
        try flush(&buffer, to: handle, path: path)
        return Summary(
            bytes: written, lines: linesWritten - startLines, events: eventsWritten - startEvents,
            noise: noiseWritten - startNoise, garbage: garbageWritten - startGarbage)
    }

    private func flush(_ buffer: inout [UInt8], to handle: FileHandle, path: String) throws {
        do {
            try handle.write(contentsOf: buffer)
        } catch {
            throw GeneratorError(path: path, reason: "write failed: \(error.localizedDescription)")
        }
        buffer.removeAll(keepingCapacity: true)
    }

    public struct GeneratorError: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "cannot write generated log to \(path): \(reason)" }
    }

    // MARK: - Content

    private mutating func ids() -> (store: Int, region: Int, peer: Int, term: Int) {
        let region = 2 + 4 * random.below(options.regionCount)
        let storeIndex = random.below(options.storeIDs.count)
        return (options.storeIDs[storeIndex], region, region + 1 + storeIndex, 5 + random.below(40))
    }

    private mutating func event() -> (TiKVLogEventKind, TiKVLogRecordWriter.Record) {
        typealias R = TiKVLogRecordWriter.Record
        let (store, region, peer, term) = ids()
        let r = String(region), p = String(peer), t = String(term)
        let thread = String(100 + random.below(400))
        switch random.below(100) {
        case 0..<12:
            let transitions: [(String, TiKVLogEventKind)] = [
                ("leader", .becameLeader), ("follower", .becameFollower), ("candidate", .becameCandidate),
                ("pre-candidate", .becamePreCandidate),
            ]
            let (role, kind) = transitions[random.below(transitions.count)]
            if random.below(10) == 0 {
                // Legacy raft-rs (TiKV ≤ 3.x): tag in the message, no fields.
                return (kind, R(level: "INFO", source: "raft.rs:783", message: "[region \(r)] \(p) became \(role) at term \(t)", fields: []))
            }
            return (kind, R(level: "INFO", source: "raft.rs:\(1100 + random.below(200))", message: "became \(role) at term \(t)",
                fields: [("term", t), ("raft_id", p), ("region_id", r)]))
        case 12..<18:
            return (.electionStarted, R(level: "INFO", source: "raft.rs:1550", message: "starting a new election",
                fields: [("term", t), ("raft_id", p), ("region_id", r)]))
        case 18..<22:
            return (.leaderTransfer, R(level: "INFO", source: "peer.rs:4512", message: "transfer leader",
                fields: [("peer", "id: \(peer + 1) store_id: \(store)"), ("peer_id", p), ("region_id", r)]))
        case 22..<24:
            return (.leaderMissing, R(level: "WARN", source: "peer.rs:5621", message: "leader missing longer than abnormal_leader_missing_duration",
                fields: [("expect", "10m"), ("peer_id", p), ("region_id", r)]))
        case 24..<28:
            return (.snapshotRequested, R(level: "INFO", source: "peer_storage.rs:545", message: "requesting snapshot",
                fields: [("request_peer", String(peer + 2)), ("request_index", String(random.below(100_000))), ("peer_id", p), ("region_id", r)]))
        case 28..<31:
            return (.snapshotScanned, R(level: "INFO", source: "snap.rs:1083", message: "scan snapshot of one cf",
                fields: [("region_id", r), ("snapshot", "/data/tikv\(store)/snap/gen_\(r)_\(t)_\(random.below(9999))_default.sst"),
                         ("cf", "default"), ("key_count", String(random.below(50_000))), ("size", String(random.below(50_000_000))),
                         ("takes", "\(random.below(900)).\(random.below(999_999))ms")]))
        case 31..<34:
            return (.snapshotSendStarted, R(level: "INFO", source: "peer_storage.rs:586", message: "start sending snapshot",
                fields: [("request_peer", String(peer + 2)), ("peer_id", p), ("region_id", r)]))
        case 34..<39:
            return (.snapshotSent, R(level: "INFO", source: "snap.rs:584", message: "sent snapshot",
                fields: [("duration", "\(random.below(900)).\(random.below(999_999))ms"), ("size", String(random.below(20_000_000))),
                         ("snap_key", "\(r)_\(t)_\(random.below(99))"), ("region_id", r), ("thread_id", thread)]))
        case 39..<41:
            return (.snapshotSendFailed, R(level: "WARN", source: "snap.rs:470", message: "failed to send snap",
                fields: [("to_addr", "tikv\(store):20160"), ("region_id", r),
                         ("err", "Grpc(RpcFailure(RpcStatus { code: 14-UNAVAILABLE, message: \"failed to connect to all addresses\", details: [] }))")]))
        case 41..<44:
            return (.snapshotReceived, R(level: "INFO", source: "snap.rs:411", message: "saving all snapshot files",
                fields: [("snap_key", "\(r)_\(t)_\(random.below(99))"), ("takes", "\(random.below(2000)).\(random.below(999))ms")]))
        case 44..<47:
            return (.snapshotApplyStarted, R(level: "INFO", source: "peer_storage.rs:1136", message: "begin to apply snapshot",
                fields: [("peer_id", p), ("region_id", r)]))
        case 47..<50:
            return (.snapshotApplied, R(level: "INFO", source: "peer_storage.rs:1178", message: "apply snapshot with state ok",
                fields: [("for_witness", "false"), ("state", "applied_index: \(random.below(1000)) truncated_state { index: 5 term: 5 }"),
                         ("region", "id: \(r) start_key: 7480000000000000FF4B5F7280 end_key: 7480000000000000FF4D00000000000000F8 region_epoch { conf_ver: 5 version: 12 } peers { id: \(p) store_id: \(store) }"),
                         ("peer_id", p), ("region_id", r)]))
        case 50..<52:
            return (.snapshotRestored, R(level: "INFO", source: "raft.rs:2588",
                message: "[commit: \(term * 3), term: \(t)] restored snapshot [index: \(term * 3), term: \(t)]",
                fields: [("snapshot_term", t), ("snapshot_index", String(term * 3)), ("last_term", t), ("last_index", String(term * 3)),
                         ("commit", String(term * 3)), ("raft_id", p), ("region_id", r)]))
        case 52..<54:
            return (.snapshotApplyFailed, R(level: "WARN", source: "region.rs:480", message: "failed to apply snap!!!",
                fields: [("err", "Other(\"[components/raftstore/src/store/snap.rs:1214]: snapshot file corrupted\")"), ("region_id", r)]))
        case 54..<62:
            return (.slowOperation, R(level: "WARN", source: "apply.rs:\(500 + random.below(50))",
                message: "[region \(r)] \(p) handle ready \(random.below(40)) committed entries",
                fields: [("takes", String(1000 + random.below(4000)))]))
        case 62..<68:
            let lifetime = "\(1 + random.below(3)).\(random.below(999))s"
            return (.slowQuery, R(level: "INFO", source: "tracker.rs:264", message: "slow-query",
                fields: [("perf_stats.internal_delete_skipped_count", "0"), ("scan.range.first", "Some(start: 7480000000000000FF4B5F728000000000FF1DEB8C0000000000FA end: 7480000000000000FF4B5F72FF)"),
                         ("scan.ranges", "1"), ("scan.total", String(random.below(100_000))), ("scan.processed", String(random.below(100_000))),
                         ("table_id", "68"), ("tag", "select"), ("txn_start_ts", String(451_207_842_537_439_233 + random.below(1_000_000))),
                         ("total_process_time", "\(random.below(999))ms"), ("wait_time", "\(random.below(9))ms"), ("total_lifetime", lifetime),
                         ("remote_host", "ipv4:10.0.1.\(random.below(250)):\(40000 + random.below(20000))"), ("region_id", r)]))
        case 68..<74:
            return (.storeHeartbeatFailed, R(level: "WARN", source: "pd.rs:1288", message: "store heartbeat failed",
                fields: [("err", "Grpc(RpcFailure(RpcStatus { code: 14-UNAVAILABLE, message: \"not leader\", details: [] }))")]))
        case 74..<78:
            return (.regionHeartbeatFailed, R(level: "WARN", source: "client.rs:493", message: "failed to send heartbeat",
                fields: [("err", "Grpc(RpcFinished(Some(RpcStatus { code: 14-UNAVAILABLE, message: \"Socket closed\", details: [] })))")]))
        case 78..<82:
            return (.pdConnectFailed, R(level: "WARN", source: "util.rs:667", message: "connect failed",
                fields: [("error", "Grpc(RpcFailure(RpcStatus { code: 14-UNAVAILABLE, message: \"failed to connect to all addresses\", details: [] }))"),
                         ("endpoints", "http://pd\(1 + random.below(3)):2379")]))
        case 82..<85:
            return (.pdReconnectFailed, R(level: "WARN", source: "util.rs:328", message: "reconnect failed",
                fields: [("err", "Other(\"[components/pd_client/src/util.rs:367]: cancel reconnection due to too small interval\")")]))
        case 85..<88:
            return (.pdReconnecting, R(level: "WARN", source: "util.rs:343", message: "try reconnect pd",
                fields: [("takes", String(1000 + random.below(3000)))]))
        case 88..<91:
            return (.pdConnected, R(level: "INFO", source: "util.rs:625", message: "connected to PD member",
                fields: [("endpoints", "http://pd\(1 + random.below(3)):2379")]))
        case 91..<93:
            return (.pdClientUpdated, R(level: "INFO", source: "util.rs:291", message: "update pd client",
                fields: [("via", ""), ("leader", "http://pd2:2379"), ("prev_via", ""), ("prev_leader", "http://pd1:2379")]))
        case 93..<95:
            return (.pdLeaderCampaign, R(level: "INFO", source: "server.go:1680", message: "start to campaign PD leader",
                fields: [("campaign-leader-name", "pd\(1 + random.below(3))")]))
        case 95..<97:
            return (.pdLeaderReady, R(level: "INFO", source: "server.go:1760", message: "PD leader is ready to serve",
                fields: [("leader-name", "pd\(1 + random.below(3))")]))
        default:
            return (.storeOffline, R(level: "WARN", source: "cluster.go:1633", message: "store has been offline",
                fields: [("store-id", String(store)), ("store-address", "tikv\(store):20160"), ("region-count", String(random.below(3000)))]))
        }
    }

    private mutating func noise() -> TiKVLogRecordWriter.Record {
        typealias R = TiKVLogRecordWriter.Record
        let (_, region, peer, term) = ids()
        let r = String(region), p = String(peer)
        switch random.below(10) {
        case 0:
            return R(level: "INFO", source: "raft.rs:2646", message: "switched to configuration",
                fields: [("config", "Configuration { voters: Configuration { incoming: Configuration { voters: {\(peer), \(peer + 1), \(peer + 2)} }, outgoing: Configuration { voters: {} } }, learners: {}, learners_next: {}, auto_leave: false }"),
                         ("raft_id", p), ("region_id", r)])
        case 1:
            return R(level: "INFO", source: "peer.rs:3822", message: "on split",
                fields: [("source", "ipv4:10.0.1.12:47552"), ("split_keys", "key 7480000000000000FF4B5F728000000000FF1DEB8C0000000000FA"),
                         ("peer_id", p), ("region_id", r)])
        case 2:
            return R(level: "INFO", source: "pd.rs:912", message: "try to split region",
                fields: [("region_epoch", "conf_ver: 5 version: \(term)"), ("new_region_ids", "[new_region_id: \(region + 4) new_peer_ids: [\(peer + 4), \(peer + 5), \(peer + 6)]]"),
                         ("region_id", r)])
        case 3:
            return R(level: "INFO", source: "compaction_filter.rs:587", message: "Compaction filter reports",
                fields: [("filtered", String(random.below(100))), ("total", String(random.below(100_000)))])
        case 4:
            return R(level: "INFO", source: "<unknown>",
                message: "subchannel 0x7f3c2a4b6c00 {address=ipv4:10.0.1.3:2379, args=grpc.client_channel_factory=0x7f3c, grpc.default_authority=pd1:2379}: connect failed: {\"created\":\"@1723024503.123456789\",\"description\":\"Failed to connect to remote host: Connection refused\"}",
                fields: [])
        case 5:
            return R(level: "INFO", source: "import.rs:253", message: "ingest file",
                fields: [("name", "数据_✓_\(r).sst"), ("cf", "write"), ("size", String(random.below(1_000_000)))])
        case 6:
            return R(level: "WARN", source: "endpoint.rs:796", message: "error-response",
                fields: [("err", "Region error (will back off and retry) message: \"peer is not leader for region \(r), leader may Some(id: \(peer + 1) store_id: 4)\" not_leader { region_id: \(r) }")])
        case 7:
            return R(level: "DEBUG", source: "raft.rs:1612", message: "ignore message",
                fields: [("msg type", "MsgHeartbeat"), ("term", String(term)), ("raft_id", p), ("region_id", r)])
        case 8:
            return R(level: "INFO", source: "gc_manager.rs:456", message: "gc_worker: auto gc starts",
                fields: [("safe_point", String(451_207_842_537_439_233 + random.below(1_000_000)))])
        default:
            return R(level: "INFO", source: "apply.rs:1740", message: "exec ConfChange",
                fields: [("epoch", "conf_ver: 5 version: 12"), ("type", "AddNode"), ("peer_id", p), ("region_id", r)])
        }
    }

    private mutating func garbage(time: String) -> String {
        switch random.below(3) {
        case 0:
            // A line cut off mid-write (log rotation, a crash).
            return "[\(time)] [INFO] [raft.rs:1228] [\"became leader at te"
        case 1:
            return "\u{0}\u{1}\u{7F}ELF\u{2}\u{1}\u{1}\u{0}\u{0}\u{0}"
        default:
            return "thread 'raftstore-1-0' panicked at 'called `Option::unwrap()` on a `None` value', components/raftstore/src/store/peer.rs:1234:45"
        }
    }
}

/// A small, fast, seedable generator (Steele, Lea and Flood's SplitMix64): reproducible test data.
struct SplitMix64: Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in `0..<bound` (0 when `bound` ≤ 0).
    mutating func below(_ bound: Int) -> Int {
        guard bound > 0 else { return 0 }
        return Int(next() % UInt64(bound))
    }

    /// Uniform in `[0, 1)`.
    mutating func unit() -> Double {
        Double(next() >> 11) / Double(1 << 53)
    }
}
