import ArgumentParser
import Foundation
import Logging
import OperatorConfiguration
import OperatorCore
import OperatorHTTP

/// Which cluster to talk to: `--subject`, `--endpoints`, `--prometheus`, with their fallbacks.
struct ClusterOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Kind of cluster (see `operator subjects`); default: $OPERATOR_SUBJECT, else `subject` in operator.yaml.",
        valueName: "name"))
    var subject: String?

    @Option(help: ArgumentHelp(
        "The subject's own API, comma-separated URLs (PD URLs for tikv, client URLs for etcd); default: the subject's environment variable (PD_ENDPOINT, ETCDCTL_ENDPOINTS), else operator.yaml, else the subject's default.",
        valueName: "urls"))
    var endpoints: String?

    @Option(help: ArgumentHelp(
        "Prometheus server that scrapes the cluster; default: $PROMETHEUS_URL, else operator.yaml. Without one, metrics are scraped from the nodes directly.",
        valueName: "url"))
    var prometheus: String?

    @Option(help: ArgumentHelp("Budget for one request to the cluster.", valueName: "duration"))
    var requestTimeout: String = "3s"

    @OptionGroup var config: ConfigOptions

    /// A subject ready to build, with everything resolved.
    struct Resolved {
        var registration: SubjectRegistration
        var configuration: SubjectConfiguration
        var file: OperatorConfigFile

        func makeSubject() throws -> any Subject {
            do {
                return try registration.make(configuration)
            } catch {
                throw CLIFailure("cannot configure subject \(registration.name): \(error)", exitCode: 2)
            }
        }
    }

    /// `knownSubject` is used when neither the flag nor the environment names one (e.g. the subject an
    /// incident in the database belongs to).
    func resolve(logger: Logger = Logger(label: "operator"), knownSubject: String? = nil) throws -> Resolved {
        let env = ProcessInfo.processInfo.environment
        let file = try config.load()
        let fileSubject = try file.string("subject")
        guard let name = subject ?? knownSubject ?? env["OPERATOR_SUBJECT"] ?? fileSubject else {
            throw CLIFailure(
                "choose a subject with --subject (known: \(LinkedSubjects.registry.names.joined(separator: ", ")))",
                exitCode: 2)
        }
        let registration: SubjectRegistration
        do {
            registration = try LinkedSubjects.registry.registration(named: name)
        } catch {
            throw CLIFailure(error.description, exitCode: 2)
        }
        // Every URL is checked and loses its userinfo here, where it enters the program; the credentials
        // go to the HTTP layer alone (see `EndpointURL`, `HTTPCredentials`).
        let endpointURLs: [EndpointURL] =
            if let endpoints {
                try Self.parseURLs(Self.splitList(endpoints), from: .flag("--endpoints"))
            } else if let variable = registration.endpointsEnvironmentVariable, let value = env[variable], !value.isEmpty {
                try Self.parseURLs(Self.splitList(value), from: .environment(variable))
            } else if let fromFile = try file.endpointURLs("endpoints") {
                fromFile
            } else {
                try Self.parseURLs(registration.defaultEndpoints, from: .flag("--endpoints"))
            }
        guard !endpointURLs.isEmpty else {
            throw CLIFailure("no endpoints for \(registration.name); pass --endpoints URL[,URL...]", exitCode: 2)
        }
        let prometheusURL: EndpointURL? =
            if let prometheus {
                try EndpointURL.parse(prometheus, from: .flag("--prometheus"))
            } else if let value = env["PROMETHEUS_URL"], !value.isEmpty {
                try EndpointURL.parse(value, from: .environment("PROMETHEUS_URL"))
            } else {
                try file.endpointURL("prometheus")
            }
        for url in endpointURLs + [prometheusURL].compactMap({ $0 }) { Self.registerCredentials(of: url) }
        let endpoints = endpointURLs.map(\.url)
        let timeout = try SettingLimits.requestTimeout.parse(requestTimeout, from: .flag("--request-timeout"))
        let configuration = SubjectConfiguration(
            endpoints: endpoints, prometheusURL: prometheusURL?.url, settings: try file.subjectSettings(registration.name),
            requestTimeout: timeout, logger: logger)
        return Resolved(registration: registration, configuration: configuration, file: file)
    }

    static func splitList(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    static func parseURLs(_ texts: [String], from source: SettingSource) throws(ConfigurationError) -> [EndpointURL] {
        var urls: [EndpointURL] = []
        for text in texts { urls.append(try EndpointURL.parse(text, from: source)) }
        return urls
    }

    /// Hands a URL's `user:password` to the HTTP layer, the only place it is kept.
    static func registerCredentials(of url: EndpointURL) {
        guard let credentials = url.credentials else { return }
        HTTPCredentials.shared.register(url: url.url, username: credentials.username, password: credentials.password)
    }
}
