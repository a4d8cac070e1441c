import OperatorCore

/// Why the compose backend could not do what was asked. Each case names the program, engine, image, file
/// or member involved and says what to do next.
public enum ComposeError: Error, CustomStringConvertible, Equatable {
    /// No `docker` client in PATH.
    case dockerMissing(searchPath: String)
    /// Neither `docker compose` (v2 plugin) nor `docker-compose` (v1).
    case composeMissing(searchPath: String)
    /// The client cannot reach the engine (`Cannot connect to the Docker daemon at unix://…`).
    case engineNotRunning(host: String, detail: String)
    /// The engine refuses this user (socket permissions).
    case enginePermissionDenied(host: String, detail: String)
    /// An image is neither present nor pullable.
    case imageUnavailable(image: String, services: [String], detail: String, readme: String?)
    case composeFileNotFound(path: String, searched: [String])
    /// The compose file lacks a service the recipe names.
    case serviceMissing(service: String, composeFile: String, known: [String])
    /// A compose or docker command failed for a reason not classified above.
    case commandFailed(command: String, status: Int32, detail: String)
    /// A container exited while `up` or `restart` waited for health.
    case containerExited(service: String, container: String, how: String, logExcerpt: String)
    case unhealthy(waited: String, pending: [String], logExcerpt: String)
    /// The wait was cancelled (Ctrl-C).
    case interrupted(while: String)
    /// The cluster's member directory (e.g. the list of stores) did not answer or made no sense.
    case memberDirectory(url: String, reason: String)
    /// The member directory names an address whose host is no service of the compose file.
    case addressWithoutService(entity: Entity, address: String, known: [String])

    public var description: String {
        switch self {
        case .dockerMissing(let path):
            return "docker is not installed (no `docker` in PATH=\(path)); install Debian's docker.io package "
                + "(`apt-get install docker.io`) or Docker Engine from docs.docker.com"
        case .composeMissing(let path):
            return "neither `docker compose` (the v2 plugin) nor docker-compose (v1) is installed (PATH=\(path)); "
                + "install Debian's docker-compose package (`apt-get install docker-compose`) or the docker-compose-plugin package"
        case .engineNotRunning(let host, let detail):
            return "the Docker engine is not running at \(host) (\(detail)); start the Docker engine "
                + "(`systemctl start docker`, or `dockerd &` as root) or point DOCKER_HOST at one that runs"
        case .enginePermissionDenied(let host, let detail):
            return "permission denied talking to the Docker engine at \(host) (\(detail)); run as root or add your user "
                + "to the docker group (`usermod -aG docker $USER`, then log in again)"
        case .imageUnavailable(let image, let services, let detail, let readme):
            let users = services.isEmpty ? "" : " (used by \(services.joined(separator: ", ")))"
            let see = readme.map { "; see \($0)" } ?? ""
            return "image \(image)\(users) is not on this engine and cannot be pulled: \(detail). The machine may be "
                + "offline or the registry unreachable: load it from a machine that has it (`docker save \(image) | "
                + "docker load`), build it locally, or point the compose file at a registry you can reach\(see)"
        case .composeFileNotFound(let path, let searched):
            return "cannot find compose file \(path) (looked in \(searched.joined(separator: ", "))); run from the "
                + "Operator repository or pass --compose-file PATH"
        case .serviceMissing(let service, let file, let known):
            return "compose file \(file) has no service \"\(service)\" (it has \(known.joined(separator: ", "))); "
                + "use the stack from the Operator repository or pass a matching --compose-file"
        case .commandFailed(let command, let status, let detail):
            return "`\(command)` failed with status \(status)\(detail.isEmpty ? "" : ":\n\(detail)")"
        case .containerExited(let service, let container, let how, let excerpt):
            return "service \(service) (container \(container)) \(how)\(excerpt.isEmpty ? "" : "; its last log lines:\n\(excerpt)")"
        case .unhealthy(let waited, let pending, let excerpt):
            return "the stack did not become healthy within \(waited): \(pending.joined(separator: "; "))"
                + (excerpt.isEmpty ? "" : "\n\(excerpt)")
                + "\nthe containers are left running for a look (`docker logs`); `operator deploy down` removes them"
        case .interrupted(let activity):
            return "interrupted while \(activity)"
        case .memberDirectory(let url, let reason):
            return "cannot list members from \(url): \(reason)"
        case .addressWithoutService(let entity, let address, let known):
            return "\(entity) has address \(address), but the compose file has no service by that host name "
                + "(services: \(known.joined(separator: ", "))); name the container directly instead"
        }
    }
}
