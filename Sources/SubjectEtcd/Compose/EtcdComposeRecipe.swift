import Foundation
import OperatorCore

/// `operator deploy --subject etcd --backend compose`: the 3-member stack in `Subjects/etcd/docker-compose.yaml`
/// (host networking, image built locally by `Subjects/etcd/build-image.sh`). Members map directly to
/// services: `member:e1` → `e1`.
///
/// Ports: member n (1–3) gets client port base + 2(n−1) and peer port base + 2(n−1) + 1, base = `--base-port`
/// (default 2379, so e1 keeps etcd's usual 2379/2380). Options: `--compose-file` (`extra["compose-file"]`),
/// `extra["project"]`, `extra["image"]` (default `operator/etcd:local`) and `extra["cluster-token"]`.
public enum EtcdComposeRecipe {
    public static let backend = "compose"
    public static let defaultComposeFile = "Subjects/etcd/docker-compose.yaml"
    public static let defaultProject = "operator-etcd"
    public static let defaultImage = "operator/etcd:local"
    public static let defaultBasePort = 2379
    /// The compose file names three members.
    public static let size = 3

    public static let recipe = DeploymentRecipe(
        backend: backend,
        summary: "3 etcd members in Docker with host networking (\(defaultComposeFile); image from build-image.sh)",
        plan: { options in .compose(try plan(options)) })

    public static func plan(_ options: DeploymentOptions) throws(EtcdComposeRecipeError) -> ComposeClusterPlan {
        guard options.members == size else { throw .fixedSize(requested: options.members) }
        let base = options.basePort ?? defaultBasePort
        guard (1...(65535 - 2 * size + 1)).contains(base) else { throw .basePortOutOfRange(base) }
        var environment = [
            "ETCD_IMAGE": options.extra["image"] ?? defaultImage,
            "ETCD_CLUSTER_TOKEN": options.extra["cluster-token"] ?? "operator-compose",
        ]
        var services: [String: String] = [:]
        var endpoints: [String] = []
        for n in 1...size {
            let client = base + 2 * (n - 1), peer = client + 1
            // The variables docker-compose.yaml reads for each member's listen and advertise URLs.
            environment["E\(n)_CLIENT_PORT"] = String(client)
            environment["E\(n)_PEER_PORT"] = String(peer)
            services["member:e\(n)"] = "e\(n)"
            endpoints.append("http://127.0.0.1:\(client)")
        }
        return ComposeClusterPlan(
            subject: "etcd",
            composeFile: options.extra["compose-file"] ?? defaultComposeFile,
            projectName: options.extra["project"] ?? defaultProject,
            services: services,
            endpoints: endpoints,
            // `{"health":"true"}` with 200 once the member has a leader (etcd-prometheus-observed.md §A).
            healthURLs: endpoints.map { "\($0)/health" },
            environment: environment)
    }
}

public enum EtcdComposeRecipeError: Error, CustomStringConvertible, Equatable {
    case fixedSize(requested: Int)
    case basePortOutOfRange(Int)

    public var description: String {
        switch self {
        case .fixedSize(let requested):
            return "the etcd compose stack has 3 members, not \(requested); drop --members or use --backend process"
        case .basePortOutOfRange(let port):
            return "--base-port \(port) leaves no room for the 6 ports the members listen on; choose 1–65530"
        }
    }
}
