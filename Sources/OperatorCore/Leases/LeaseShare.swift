import Foundation

/// How many shared leases one replica should hold: the arithmetic that spreads clusters across replicas.
public enum LeaseShare {
    /// `ceil(shared / liveReplicas)`: every lease finds a holder (the shares add up to at least `shared`)
    /// and no replica holds more than one above another. A replica always counts itself, so `liveReplicas`
    /// below 1 is read as 1.
    public static func target(shared: Int, liveReplicas: Int) -> Int {
        let replicas = max(1, liveReplicas)
        let leases = max(0, shared)
        return (leases + replicas - 1) / replicas
    }

    /// Replicas alive at `now`: live `replica:NAME` leases (each replica renews its own every round).
    public static func liveReplicas(_ leases: [Lease], at now: Date) -> Int {
        leases.filter { $0.name.hasPrefix(LeaseName.replicaPrefix) && $0.isLive(at: now) }.count
    }

    /// Which of the leases a replica holds to give up when it holds more than its share: the last ones by
    /// name, so the choice is stable from one round to the next.
    public static func extras(held: [String], share: Int) -> [String] {
        let sorted = held.sorted()
        return Array(sorted.suffix(max(0, sorted.count - max(0, share))))
    }
}
