/// The compose program on this machine: the v2 plugin (`docker compose`), preferred, or the standalone v1
/// program (`docker-compose`, Debian's docker-compose package). Both take the same arguments for what the
/// backend uses (`-p`, `-f`, `--profile`, `config`, `up -d`, `down -v`).
public struct ComposeTool: Sendable, Equatable, CustomStringConvertible {
    public enum Flavor: String, Sendable, Codable {
        /// `docker compose …`
        case plugin
        /// `docker-compose …`
        case standalone
    }

    public let flavor: Flavor
    /// Absolute path of `docker` (plugin) or `docker-compose` (standalone).
    public let executable: String

    public init(flavor: Flavor, executable: String) {
        self.flavor = flavor
        self.executable = executable
    }

    /// Arguments before the compose subcommand: the plugin is reached through `docker compose`.
    var leadingArguments: [String] { flavor == .plugin ? ["compose"] : [] }

    public var description: String { flavor == .plugin ? "docker compose" : "docker-compose" }

    /// Finds the compose program: `docker compose version` succeeding means the plugin is installed;
    /// otherwise `docker-compose` in PATH. `docker` is the client found for the plugin check, if any.
    static func detect(
        docker: String?, environment: [String: String]
    ) async throws(ComposeError) -> ComposeTool {
        if let docker {
            // Client-only: answers without an engine, so an engine problem is not mistaken for "no plugin".
            let probe = try? await CommandRunner.run(
                docker, ["compose", "version"], environment: environment, timeout: .seconds(20))
            if probe?.succeeded == true { return ComposeTool(flavor: .plugin, executable: docker) }
        }
        if let standalone = ExecutableLookup.find("docker-compose", environment: environment) {
            return ComposeTool(flavor: .standalone, executable: standalone)
        }
        throw .composeMissing(searchPath: environment["PATH"] ?? "")
    }
}
