/// Names of the clusters one operator watches (`clusters:` in operator.yaml, `--cluster`).
///
/// Every ticket, incident, heartbeat and diagnosis carries its cluster's name, and the deduplication key
/// is cluster + subject + invariant + entity: two clusters of the same subject never share a ticket.
public enum ClusterName {
    /// The cluster of a single-cluster configuration, and of every row written before clusters existed.
    public static let `default` = "default"

    /// What a name may be: lowercase letters, digits and `-` (it appears in URLs, metrics labels and files).
    public static let allowedCharacters = "[a-z0-9-]+"

    /// Whether `name` is a valid cluster name: non-empty, at most 63 characters, only `a-z`, `0-9`, `-`.
    public static func isValid(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 63
            && name.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D }
    }
}
