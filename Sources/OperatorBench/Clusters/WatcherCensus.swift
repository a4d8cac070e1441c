import Foundation

/// Who watches each cluster, sample after sample, while several `operator serve` replicas share them by
/// lease: the replicas' own word (`/healthz`'s `watching`: the clusters whose work runs there) against the
/// shared lease table (`watched_by` in `GET /api/v1/clusters`). Sharing is correct when every cluster runs
/// on exactly one replica, the one the lease table names: the benchmark's own check, which must count 0.
struct WatcherCensus: Sendable, Equatable {
    /// One read of every replica.
    struct Sample: Sendable, Equatable {
        /// Replica name → the clusters it says it runs.
        var running: [String: Set<String>]
        /// Cluster → the replica holding its live lease, as one replica's API shows the table; absent when
        /// no live lease.
        var holders: [String: String]
    }

    /// Samples recorded.
    private(set) var samples = 0
    /// Clusters that at some sample ran on no replica.
    private(set) var unwatched: Set<String> = []
    /// Clusters that at some sample ran on two replicas or more.
    private(set) var watchedTwice: Set<String> = []
    /// Clusters that at some sample ran on one replica while the lease table named another, or nobody.
    private(set) var leaseDisagreements: Set<String> = []

    mutating func record(_ sample: Sample, clusters: [String]) {
        samples += 1
        for cluster in clusters {
            let runners = sample.running.filter { $0.value.contains(cluster) }.map(\.key)
            switch runners.count {
            case 0: unwatched.insert(cluster)
            case 1: if sample.holders[cluster] != runners[0] { leaseDisagreements.insert(cluster) }
            default: watchedTwice.insert(cluster)
            }
        }
    }

    /// Clusters that went wrong at any sample, each counted once.
    var faults: Int { unwatched.union(watchedTwice).union(leaseDisagreements).count }

    /// The most clusters one of `replicas` replicas takes: the coordinator's share, ceil(clusters / replicas).
    static func share(clusters: Int, replicas: Int) -> Int {
        replicas > 0 ? (clusters + replicas - 1) / replicas : clusters
    }

    /// Whether the replicas have settled: each of `clusters` runs on exactly one of the `replicas` replicas,
    /// the lease table names it, and no replica runs more than its share (so with 6 clusters and 3 replicas,
    /// two each).
    static func isSpread(_ sample: Sample, clusters: [String], replicas: Int) -> Bool {
        guard sample.running.count == replicas else { return false }
        let share = share(clusters: clusters.count, replicas: replicas)
        guard sample.running.values.allSatisfy({ $0.count <= share }) else { return false }
        var census = WatcherCensus()
        census.record(sample, clusters: clusters)
        return census.faults == 0
    }

    /// "bench-replica-1: 2, bench-replica-2: 4, …", for a message naming what did not settle.
    static func describe(_ sample: Sample) -> String {
        sample.running.keys.sorted().map { "\($0): \(sample.running[$0]?.count ?? 0)" }.joined(separator: ", ")
    }

    /// `/healthz`'s replica name and the clusters it says it runs.
    static func watching(from body: Data) throws(BenchmarkError) -> (replica: String?, clusters: Set<String>) {
        struct Health: Decodable {
            var replica: String?
            var watching: [String]
        }
        do {
            let health = try JSONDecoder().decode(Health.self, from: body)
            return (health.replica, Set(health.watching))
        } catch {
            throw BenchmarkError.failed("GET /healthz answered something else than serve's status (replica, watching): \(error)")
        }
    }

    /// `watched_by` of each cluster of one `GET /api/v1/clusters` answer: cluster → replica.
    static func holders(from body: Data) throws(BenchmarkError) -> [String: String] {
        struct Row: Decodable {
            struct Watcher: Decodable { var replica: String }
            var name: String
            var watchedBy: Watcher?

            enum CodingKeys: String, CodingKey {
                case name
                case watchedBy = "watched_by"
            }
        }
        let rows: [Row]
        do { rows = try JSONDecoder().decode([Row].self, from: body) } catch {
            throw BenchmarkError.failed("GET /api/v1/clusters answered something else than the API's cluster list: \(error)")
        }
        var out: [String: String] = [:]
        for row in rows { if let replica = row.watchedBy?.replica { out[row.name] = replica } }
        return out
    }
}
