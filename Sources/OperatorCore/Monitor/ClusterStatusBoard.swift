/// The latest tick of every cluster watched in this process, published by each `MonitorService` after
/// every tick: what the API's `/api/v1/clusters` and `/readyz` read, without touching the database.
public actor ClusterStatusBoard {
    private var latest: [String: ClusterTickStatus] = [:]

    public init() {}

    /// Replaces the cluster's status with this tick's.
    public func publish(_ status: ClusterTickStatus) {
        latest[status.cluster] = status
    }

    /// Drops the cluster's status when its monitor stops here (another replica took its lease): a status
    /// this process no longer updates would read as current.
    public func forget(cluster: String) {
        latest[cluster] = nil
    }

    /// Every cluster that has completed a tick, by name.
    public func all() -> [ClusterTickStatus] {
        latest.values.sorted { $0.cluster < $1.cluster }
    }

    /// The cluster's latest tick; `nil` until its monitor has completed one.
    public func status(cluster: String) -> ClusterTickStatus? {
        latest[cluster]
    }
}
