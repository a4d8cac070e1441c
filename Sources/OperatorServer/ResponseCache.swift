import NIOCore
import Synchronization

/// The encoded JSON of the read routes (incident and ticket pages and details), kept for as long as the
/// database has not changed: every entry belongs to one `TicketStore.dataVersion()`, and a request that
/// sees a newer version drops them all before it looks. Encoding is most of what a read costs (a third
/// of serve's CPU on the incident list), and reads far outnumber commits (a monitor commits once a tick).
///
/// A request asks the version before it reads, so whatever it stores is at least as new as that version:
/// an answer never predates a commit the request could see. Bounded in entries and bytes; when full, the
/// oldest entries go first.
public final class ResponseCache: Sendable {
    public struct Limits: Sendable, Equatable {
        public var entries: Int
        public var bytes: Int

        public init(entries: Int, bytes: Int) {
            self.entries = max(1, entries)
            self.bytes = max(1, bytes)
        }

        /// A few hundred pages or details; 8 MiB keeps serve's resident memory close to what it was.
        public static let standard = Limits(entries: 256, bytes: 8 << 20)
    }

    /// Counts since start, for `/metrics`.
    public struct Counts: Sendable, Equatable {
        public var hits = 0
        public var misses = 0
        /// Times a newer database version emptied the cache.
        public var invalidations = 0
        public var entries = 0
        public var bytes = 0
    }

    private struct State {
        var version: Int64?
        var bodies: [String: ByteBuffer] = [:]
        /// Keys in the order they were stored, oldest first (the eviction order).
        var order: [String] = []
        var counts = Counts()

        mutating func empty(for version: Int64) {
            if self.version != nil { counts.invalidations += 1 }
            self.version = version
            bodies.removeAll()
            order.removeAll()
            counts.bytes = 0
            counts.entries = 0
        }
    }

    public let limits: Limits
    private let state = Mutex(State())

    public init(limits: Limits = .standard) {
        self.limits = limits
    }

    /// The body stored for `key` at `version`. SQLite's data_version only grows on one connection, so an
    /// older version (a request that asked before a commit and looks after another request saw it) is a
    /// miss that leaves the newer entries alone.
    func body(for key: String, version: Int64) -> ByteBuffer? {
        state.withLock { state in
            if state.version.map({ version > $0 }) ?? true { state.empty(for: version) }
            guard state.version == version, let body = state.bodies[key] else {
                state.counts.misses += 1
                return nil
            }
            state.counts.hits += 1
            return body
        }
    }

    /// Keeps `body` for `key` if `version` is still the newest seen; evicts the oldest entries to stay in bounds.
    func store(_ body: ByteBuffer, for key: String, version: Int64) {
        let size = body.readableBytes
        guard size <= limits.bytes else { return }
        state.withLock { state in
            guard state.version == version, state.bodies[key] == nil else { return }
            while !state.order.isEmpty && (state.bodies.count >= limits.entries || state.counts.bytes + size > limits.bytes) {
                let oldest = state.order.removeFirst()
                state.counts.bytes -= state.bodies.removeValue(forKey: oldest)?.readableBytes ?? 0
            }
            state.bodies[key] = body
            state.order.append(key)
            state.counts.bytes += size
            state.counts.entries = state.bodies.count
        }
    }

    public var counts: Counts { state.withLock { $0.counts } }

    /// The counts in Prometheus' text format, appended to `/metrics`.
    var metricsText: String {
        let c = counts
        return """
            # HELP operator_api_cache_hits_total Read requests answered from the encoded-response cache.
            # TYPE operator_api_cache_hits_total counter
            operator_api_cache_hits_total \(c.hits)
            # HELP operator_api_cache_misses_total Read requests that read the database and encoded the answer.
            # TYPE operator_api_cache_misses_total counter
            operator_api_cache_misses_total \(c.misses)
            # HELP operator_api_cache_invalidations_total Times a database commit emptied the cache.
            # TYPE operator_api_cache_invalidations_total counter
            operator_api_cache_invalidations_total \(c.invalidations)
            # HELP operator_api_cache_bytes Bytes of encoded responses held.
            # TYPE operator_api_cache_bytes gauge
            operator_api_cache_bytes \(c.bytes)

            """
    }
}
