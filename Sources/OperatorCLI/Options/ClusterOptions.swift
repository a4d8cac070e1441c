import ArgumentParser
import Foundation
import Logging
import OperatorCore

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
        let rawEndpoints: [String] =
            if let endpoints {
                Self.splitList(endpoints)
            } else if let variable = registration.endpointsEnvironmentVariable, let value = env[variable], !value.isEmpty {
                Self.splitList(value)
            } else if let fromFile = try file.list("endpoints") {
                fromFile
            } else {
                registration.defaultEndpoints
            }
        let endpoints = try rawEndpoints.map { try Self.normalizeURL($0, flag: "--endpoints") }
        guard !endpoints.isEmpty else {
            throw CLIFailure("no endpoints for \(registration.name); pass --endpoints URL[,URL...]", exitCode: 2)
        }
        let filePrometheus = try file.string("prometheus")
        let prometheusText = prometheus ?? env["PROMETHEUS_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? filePrometheus
        let prometheusURL = try prometheusText.map { try Self.normalizeURL($0, flag: "--prometheus") }
        let timeout: Duration
        do {
            timeout = try DurationText.duration(requestTimeout)
        } catch {
            throw CLIFailure("--request-timeout: \(error)", exitCode: 2)
        }
        let configuration = SubjectConfiguration(
            endpoints: endpoints, prometheusURL: prometheusURL, settings: try file.subjectSettings(registration.name),
            requestTimeout: timeout, logger: logger)
        return Resolved(registration: registration, configuration: configuration, file: file)
    }

    static func splitList(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Accepts `host:port` (adds http://) or a full http(s) URL; rejects anything else by name.
    static func normalizeURL(_ text: String, flag: String) throws -> String {
        let withScheme = text.contains("://") ? text : "http://\(text)"
        guard let url = URL(string: withScheme), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty
        else {
            throw CLIFailure("\(flag): \"\(text)\" is not an http(s) URL or host:port", exitCode: 2)
        }
        return withScheme.hasSuffix("/") ? String(withScheme.dropLast()) : withScheme
    }
}
