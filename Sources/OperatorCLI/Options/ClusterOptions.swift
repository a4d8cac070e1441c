import ArgumentParser
import Foundation
import Logging
import OperatorConfiguration
import OperatorCore
import OperatorHTTP

/// Which cluster to talk to: `--cluster` (an entry of `clusters:` in operator.yaml), `--subject`,
/// `--endpoints`, `--prometheus`, with their fallbacks.
struct ClusterOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Which cluster of operator.yaml's `clusters:` list to use; needed when it lists more than one (a file without the list is one cluster, `default`).",
        valueName: "name"))
    var cluster: String?

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

    @OptionGroup var tls: TLSOptions

    @OptionGroup var config: ConfigOptions

    /// A subject ready to build, with everything resolved.
    struct Resolved {
        /// The configured cluster's name (`default` without a `clusters:` list): stamped on what is stored.
        var clusterName: String
        var registration: SubjectRegistration
        var configuration: SubjectConfiguration
        var file: OperatorConfigFile
        /// The cluster's TLS settings and its Prometheus's credentials, for every request made for it.
        var security: HTTPSecurityScope

        func makeSubject() throws -> any Subject {
            do {
                return try registration.make(configuration)
            } catch {
                throw CLIFailure("cannot configure subject \(registration.name): \(error)", exitCode: 2)
            }
        }
    }

    /// `knownSubject` is used when neither the flag nor the environment names one (e.g. the subject an
    /// incident in the database belongs to); `knownCluster` likewise for the cluster, when configured.
    func resolve(logger: Logger = Logger(label: "operator"), knownSubject: String? = nil, knownCluster: String? = nil) throws
        -> Resolved
    {
        let env = ProcessInfo.processInfo.environment
        let entry = try chooseCluster(in: try config.load(), known: knownCluster)
        // The cluster's own settings over the top-level ones, read as a whole file.
        let file = entry.file
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
        let configuredPrometheus = try file.prometheusEndpoint()
        let prometheusURL: EndpointURL? =
            if let prometheus {
                try EndpointURL.parse(prometheus, from: .flag("--prometheus"))
            } else if let value = env["PROMETHEUS_URL"], !value.isEmpty {
                try EndpointURL.parse(value, from: .environment("PROMETHEUS_URL"))
            } else {
                configuredPrometheus?.url
            }
        let security = try tls.scope(
            clusterTLS: try file.tlsSettings(), endpoints: endpointURLs, prometheusURL: prometheusURL,
            prometheus: configuredPrometheus?.url == prometheusURL ? configuredPrometheus : nil, logger: logger)
        // One-cluster commands make every request for this cluster; `serve` also scopes each cluster's tasks.
        HTTPSecurityScope.installProcessWide(security)
        for url in endpointURLs + [prometheusURL].compactMap({ $0 }) { Self.registerCredentials(of: url) }
        let endpoints = endpointURLs.map(\.url)
        let timeout = try SettingLimits.requestTimeout.parse(requestTimeout, from: .flag("--request-timeout"))
        let configuration = SubjectConfiguration(
            endpoints: endpoints, prometheusURL: prometheusURL?.url, settings: try file.subjectSettings(registration.name),
            requestTimeout: timeout, logger: logger)
        return Resolved(
            clusterName: entry.name, registration: registration, configuration: configuration, file: file, security: security)
    }

    /// The `--cluster` entry; without the flag, the only one (or `known`, when the file configures it).
    /// An unknown name, or no name when several clusters are configured, exits 2 listing the names.
    func chooseCluster(in file: OperatorConfigFile, known: String? = nil) throws -> ClusterEntry {
        do {
            if let cluster { return try file.cluster(named: cluster) }
            let all = try file.clusters()
            if let known, let match = all.first(where: { $0.name == known }) { return match }
            if all.count == 1, let only = all.first { return only }
            throw CLIFailure(
                "\(file.path ?? "operator.yaml") configures \(all.count) clusters (\(all.map(\.name).joined(separator: ", "))); choose one with --cluster NAME",
                exitCode: 2)
        } catch let error as ConfigurationError {
            throw CLIFailure(error.message, exitCode: 2)
        }
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
