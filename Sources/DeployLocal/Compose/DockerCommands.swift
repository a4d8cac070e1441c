import Foundation

/// The docker client and the compose program, run with one environment (PATH, DOCKER_HOST and the plan's
/// compose variables). Every call has a timeout; failures become ``ComposeError``s that name the engine,
/// image or command.
struct DockerCommands: Sendable {
    let docker: String
    let compose: ComposeTool
    let environment: [String: String]

    /// Finds `docker` and a compose program in `environment`'s PATH.
    static func locate(environment: [String: String]) async throws(ComposeError) -> DockerCommands {
        guard let docker = ExecutableLookup.find("docker", environment: environment) else {
            throw .dockerMissing(searchPath: environment["PATH"] ?? "")
        }
        let compose = try await ComposeTool.detect(docker: docker, environment: environment)
        return DockerCommands(docker: docker, compose: compose, environment: environment)
    }

    /// The engine the client talks to, for messages.
    var host: String {
        environment["DOCKER_HOST"].flatMap { $0.isEmpty ? nil : $0 } ?? "unix:///var/run/docker.sock"
    }

    // MARK: - running

    /// Runs `docker ARGS`; a non-zero exit is classified and thrown.
    @discardableResult
    func docker(_ arguments: [String], timeout: Duration = .seconds(60)) async throws(ComposeError) -> CommandRunner.Output {
        try await checked(docker, arguments, display: "docker", timeout: timeout)
    }

    /// Runs `<compose> -p PROJECT -f FILE [--profile P]… ARGS`.
    @discardableResult
    func compose(
        _ arguments: [String], project: String, file: String, profiles: [String], timeout: Duration = .seconds(120)
    ) async throws(ComposeError) -> CommandRunner.Output {
        let all = compose.leadingArguments + ["-p", project, "-f", file]
            + profiles.flatMap { ["--profile", $0] } + arguments
        return try await checked(compose.executable, all, display: compose.description, timeout: timeout)
    }

    private func checked(
        _ executable: String, _ arguments: [String], display: String, timeout: Duration
    ) async throws(ComposeError) -> CommandRunner.Output {
        // The plugin's arguments start with "compose", already part of its display name.
        let shown = ([display] + arguments.dropFirst(executable == docker && display != "docker" ? 1 : 0))
            .joined(separator: " ")
        let output: CommandRunner.Output
        do {
            output = try await CommandRunner.run(executable, arguments, environment: environment, timeout: timeout)
        } catch {
            throw .commandFailed(command: shown, status: -1, detail: error.description)
        }
        guard output.succeeded else { throw classify(output, command: shown) }
        return output
    }

    /// Engine trouble reads the same from every command; anything else is quoted.
    func classify(_ output: CommandRunner.Output, command: String) -> ComposeError {
        let text = output.standardError + "\n" + output.standardOutput
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        // docker CLI: "Cannot connect to the Docker daemon at unix:///…. Is the docker daemon running?"
        // docker-compose v1 (docker-py): "… DockerException: Error while fetching server API version:
        // ('Connection aborted.', FileNotFoundError(2, 'No such file or directory'))" (etcd-prometheus-observed.md §C).
        if let line = lines.first(where: { $0.contains("permission denied") && $0.contains("docker") })
            ?? lines.first(where: { $0.contains("PermissionError") })
        {
            return .enginePermissionDenied(host: host, detail: String(line.suffix(300)))
        }
        if let line = lines.first(where: { $0.contains("Cannot connect to the Docker daemon") })
            ?? lines.first(where: { $0.contains("Error while fetching server API version") })
        {
            return .engineNotRunning(host: host, detail: String(line.suffix(300)))
        }
        let tail = output.standardError.split(separator: "\n").suffix(12).joined(separator: "\n")
        return .commandFailed(command: command, status: output.status, detail: tail)
    }

    // MARK: - engine

    /// Fails with ``ComposeError/engineNotRunning(host:detail:)`` unless the engine answers.
    func checkEngine() async throws(ComposeError) {
        try await docker(["version", "--format", "{{.Server.Version}}"], timeout: .seconds(30))
    }

    // MARK: - containers

    /// Every container of `project`, one-off ones included (callers skip them).
    func containers(project: String) async throws(ComposeError) -> [ComposeContainer] {
        let ids = try await docker([
            "ps", "--all", "--quiet", "--no-trunc", "--filter", "label=\(ComposeContainer.projectLabel)=\(project)",
        ]).standardOutput.split(whereSeparator: \.isNewline).map(String.init)
        guard !ids.isEmpty else { return [] }
        // Unchecked: a container removed between `ps` and `inspect` makes inspect exit 1 while it still
        // prints the others.
        let inspected: CommandRunner.Output
        do {
            inspected = try await CommandRunner.run(docker, ["inspect"] + ids, environment: environment, timeout: .seconds(60))
        } catch {
            throw .commandFailed(command: "docker inspect", status: -1, detail: error.description)
        }
        do {
            return try ComposeContainer.decodeInspect(inspected.standardOutput)
        } catch {
            if !inspected.succeeded { throw classify(inspected, command: "docker inspect") }
            throw .commandFailed(command: "docker inspect", status: 0, detail: "unexpected output: \(error)")
        }
    }

    /// The stack's (not one-off) container of `service`, if there is one.
    func container(project: String, service: String) async throws(ComposeError) -> ComposeContainer? {
        try await containers(project: project).first { $0.service == service && !$0.isOneOff }
    }

    func kill(_ container: ComposeContainer) async throws(ComposeError) {
        try await docker(["kill", container.id])
    }

    func start(_ container: ComposeContainer) async throws(ComposeError) {
        try await docker(["start", container.id])
    }

    /// The last `lines` of a container's output, stderr included; empty when docker cannot tell.
    func logTail(_ container: ComposeContainer, lines: Int = 20) async -> String {
        guard
            let output = try? await CommandRunner.run(
                docker, ["logs", "--tail", String(lines), container.id], environment: environment,
                timeout: .seconds(20))
        else { return "" }
        let text = (output.standardOutput + output.standardError).split(separator: "\n").suffix(lines)
        return text.map { "  \($0)" }.joined(separator: "\n")
    }

    // MARK: - images

    func imageIsPresent(_ image: String) async -> Bool {
        let output = try? await CommandRunner.run(
            docker, ["image", "inspect", "--format", "{{.Id}}", image], environment: environment, timeout: .seconds(30))
        return output?.succeeded == true
    }

    /// Pulls `image`; failure names it (offline machines cannot reach a registry).
    func pull(_ image: String, services: [String], readme: String?) async throws(ComposeError) {
        let output: CommandRunner.Output
        do {
            output = try await CommandRunner.run(docker, ["pull", image], environment: environment, timeout: .seconds(900))
        } catch {
            throw .imageUnavailable(image: image, services: services, detail: error.description, readme: readme)
        }
        guard output.succeeded else {
            let classified = classify(output, command: "docker pull \(image)")
            if case .commandFailed = classified {
                let reason = output.standardError.split(separator: "\n").last.map(String.init) ?? "status \(output.status)"
                throw .imageUnavailable(image: image, services: services, detail: reason, readme: readme)
            }
            throw classified
        }
    }
}
