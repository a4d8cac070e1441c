import Foundation
import OperatorCore

/// `operator deploy --subject tikv --backend compose`: the stack in `Subjects/tikv/docker-compose.yaml`
/// (3 PD, 3 TiKV, Prometheus, Grafana). PD members are fixed services (`pd:pd0` → `pd0`); store ids are
/// handed out by PD at bootstrap, so `store:<id>` is mapped to its container by asking PD for the store's
/// address (`tikv1:20160` → service `tikv1`) when needed. TiKV containers can also be named directly
/// (`tikv:tikv1`), which works while pd0, the only PD published on the host, is down.
///
/// Options: `--compose-file` (`extra["compose-file"]`) for another copy of the stack, `extra["project"]`
/// for the compose project name, `extra["profiles"]` (comma-separated, e.g. `operator,load`) and
/// `--base-port` to move the host ports: PD on base, TiKV on base+1 (gRPC) and base+2 (status),
/// Prometheus on base+3, Grafana on base+4.
public enum TiKVComposeRecipe {
    public static let backend = "compose"
    public static let defaultComposeFile = "Subjects/tikv/docker-compose.yaml"
    public static let defaultProject = "operator-tikv"
    /// The stack's fixed size: the compose file names three PD and three TiKV services.
    public static let size = 3

    public static let recipe = DeploymentRecipe(
        backend: backend,
        summary: "3 PD + 3 TiKV with Prometheus and Grafana in Docker (\(defaultComposeFile))",
        plan: { options in .compose(try plan(options)) })

    public static func plan(_ options: DeploymentOptions) throws(TiKVComposeRecipeError) -> ComposeClusterPlan {
        guard options.members == size else { throw .fixedSize(requested: options.members) }
        var environment: [String: String] = [:]
        var pdPort = 2379, tikvStatusPort = 20180
        if let base = options.basePort {
            guard (1..<65531).contains(base) else { throw .basePortOutOfRange(base) }
            pdPort = base
            tikvStatusPort = base + 2
            // The variables docker-compose.yaml reads for its published ports.
            environment = [
                "PD_HOST_PORT": String(base), "TIKV_HOST_PORT": String(base + 1),
                "TIKV_STATUS_HOST_PORT": String(base + 2), "PROMETHEUS_HOST_PORT": String(base + 3),
                "GRAFANA_HOST_PORT": String(base + 4),
            ]
        }
        var services: [String: String] = [:]
        for n in 0..<size {
            services["pd:pd\(n)"] = "pd\(n)"
            services["tikv:tikv\(n)"] = "tikv\(n)"
        }
        let pd = "http://127.0.0.1:\(pdPort)"
        let profiles = (options.extra["profiles"] ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return ComposeClusterPlan(
            subject: "tikv",
            composeFile: options.extra["compose-file"] ?? defaultComposeFile,
            projectName: options.extra["project"] ?? defaultProject,
            services: services,
            endpoints: [pd],
            // Container healthchecks cover every member; these two prove the published ports answer too.
            healthURLs: ["\(pd)/pd/api/v1/health", "http://127.0.0.1:\(tikvStatusPort)/status"],
            profiles: profiles,
            environment: environment,
            // GET /pd/api/v1/stores → {"count":…,"stores":[{"store":{"id":1,"address":"tikv1:20160",
            // "state_name":"Up",…},"status":{…}}]} (tikv-interfaces.md §1.2). Tombstones are not listed.
            memberDirectory: .init(
                kind: "store", urls: ["\(pd)/pd/api/v1/stores"], listPath: ["stores"], idPath: ["store", "id"],
                addressPath: ["store", "address"], statePath: ["store", "state_name"], healthyStates: ["Up"]))
    }
}

public enum TiKVComposeRecipeError: Error, CustomStringConvertible, Equatable {
    case fixedSize(requested: Int)
    case basePortOutOfRange(Int)

    public var description: String {
        switch self {
        case .fixedSize(let requested):
            return "the tikv compose stack has 3 PD and 3 TiKV members, not \(requested); drop --members, or edit a copy "
                + "of \(TiKVComposeRecipe.defaultComposeFile) and pass it with --compose-file"
        case .basePortOutOfRange(let port):
            return "--base-port \(port) leaves no room for the 5 host ports the stack publishes; choose 1–65530"
        }
    }
}
