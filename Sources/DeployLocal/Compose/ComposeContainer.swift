import Foundation

/// One container of a compose project, as `docker inspect` describes it. Compose (v1 and v2) labels its
/// containers with the project and service, which is how the backend finds them without relying on
/// container names (v1 `project_service_1`, v2 `project-service-1`).
public struct ComposeContainer: Sendable, Equatable {
    public var id: String
    /// Without docker's leading slash.
    public var name: String
    public var service: String
    /// `docker compose run` containers: not members of the stack.
    public var isOneOff: Bool
    /// `created`, `running`, `restarting`, `paused`, `exited`, `dead`.
    public var status: String
    public var exitCode: Int
    public var oomKilled: Bool
    /// `starting`, `healthy`, `unhealthy`; `nil` when the service has no healthcheck.
    public var health: String?

    public init(
        id: String, name: String, service: String, isOneOff: Bool = false, status: String, exitCode: Int = 0,
        oomKilled: Bool = false, health: String? = nil
    ) {
        self.id = id
        self.name = name
        self.service = service
        self.isOneOff = isOneOff
        self.status = status
        self.exitCode = exitCode
        self.oomKilled = oomKilled
        self.health = health
    }

    public var isRunning: Bool { status == "running" }

    /// Healthy as far as Docker can tell: running, and passing its healthcheck when it has one.
    public var isReady: Bool { isRunning && (health == nil || health == "healthy") }

    /// `running (healthy)`, `exited with status 137 (killed)`.
    public var stateDescription: String {
        switch status {
        case "running":
            return health.map { "running (\($0))" } ?? "running"
        case "exited", "dead":
            var text = "\(status) with status \(exitCode)"
            if oomKilled { text += " (out of memory)" } else if exitCode == 137 { text += " (killed)" }
            return text
        default:
            return status
        }
    }

    static let projectLabel = "com.docker.compose.project"
    static let serviceLabel = "com.docker.compose.service"
    static let oneOffLabel = "com.docker.compose.oneoff"

    /// Decodes `docker inspect` output (a JSON array); containers without a compose service label are skipped.
    static func decodeInspect(_ text: String) throws -> [ComposeContainer] {
        struct Inspected: Decodable {
            struct State: Decodable {
                struct Health: Decodable { var Status: String? }
                var Status: String?
                var ExitCode: Int?
                var OOMKilled: Bool?
                var Health: Health?
            }
            struct Config: Decodable { var Labels: [String: String]? }
            var Id: String
            var Name: String?
            var State: State?
            var Config: Config?
        }
        let items = try JSONDecoder().decode([Inspected].self, from: Data(text.utf8))
        return items.compactMap { item in
            let labels = item.Config?.Labels ?? [:]
            guard let service = labels[serviceLabel] else { return nil }
            var name = item.Name ?? item.Id
            if name.hasPrefix("/") { name.removeFirst() }
            return ComposeContainer(
                id: item.Id, name: name, service: service,
                isOneOff: labels[oneOffLabel]?.lowercased() == "true",
                status: item.State?.Status ?? "unknown", exitCode: item.State?.ExitCode ?? 0,
                oomKilled: item.State?.OOMKilled ?? false, health: item.State?.Health?.Status)
        }
    }
}
