import Logging

/// How a subject module introduces itself: its name, how to build it, and how to run it locally.
public struct SubjectRegistration: Sendable {
    public var name: String
    public var summary: String
    /// Environment variable conventionally holding the subject's endpoints (`--endpoints` falls back to it).
    public var endpointsEnvironmentVariable: String?
    /// Endpoints used when none are given anywhere.
    public var defaultEndpoints: [String]
    /// Builds the subject. Must not do network I/O: listings build subjects just to describe them.
    public var make: @Sendable (SubjectConfiguration) throws -> any Subject
    /// Local deployment recipes this subject offers, by backend name (`process`, `compose`).
    public var deployments: [String: DeploymentRecipe]
    /// The backend `operator deploy` uses when `--backend` is not given.
    public var defaultBackend: String?
    /// Parses the subject's log lines (`operator logs parse`), if it has a parser.
    public var logParser: (any ClusterLogParser)?

    public init(
        name: String, summary: String, endpointsEnvironmentVariable: String? = nil, defaultEndpoints: [String] = [],
        deployments: [String: DeploymentRecipe] = [:], defaultBackend: String? = nil,
        logParser: (any ClusterLogParser)? = nil, make: @escaping @Sendable (SubjectConfiguration) throws -> any Subject
    ) {
        self.name = name
        self.summary = summary
        self.endpointsEnvironmentVariable = endpointsEnvironmentVariable
        self.defaultEndpoints = defaultEndpoints
        self.deployments = deployments
        self.defaultBackend = defaultBackend
        self.logParser = logParser
        self.make = make
    }
}

/// Everything a subject needs to be built: where the cluster is, where its metrics are, its settings.
public struct SubjectConfiguration: Sendable {
    /// The subject's own API endpoints (URLs), in preference order.
    public var endpoints: [String]
    /// A Prometheus server scraping the cluster, if any.
    public var prometheusURL: String?
    /// The subject's section of `operator.yaml` (thresholds and the like); `.null` when absent.
    public var settings: JSONValue
    /// Budget for one request to the cluster.
    public var requestTimeout: Duration
    public var logger: Logger

    public init(
        endpoints: [String], prometheusURL: String? = nil, settings: JSONValue = .null,
        requestTimeout: Duration = .seconds(3), logger: Logger = Logger(label: "operator.subject")
    ) {
        self.endpoints = endpoints
        self.prometheusURL = prometheusURL
        self.settings = settings
        self.requestTimeout = requestTimeout
        self.logger = logger
    }
}

/// The subjects linked into this program. Filled once at startup by the composition root.
public struct SubjectRegistry: Sendable {
    public private(set) var registrations: [SubjectRegistration] = []

    public init(_ registrations: [SubjectRegistration] = []) {
        for r in registrations { register(r) }
    }

    /// Adds a subject; a second registration under the same name replaces the first.
    public mutating func register(_ registration: SubjectRegistration) {
        registrations.removeAll { $0.name == registration.name }
        registrations.append(registration)
    }

    public var names: [String] { registrations.map(\.name).sorted() }

    public func registration(named name: String) throws(UnknownSubjectError) -> SubjectRegistration {
        guard let r = registrations.first(where: { $0.name == name.lowercased() }) else {
            throw UnknownSubjectError(name: name, known: names)
        }
        return r
    }
}

public struct UnknownSubjectError: Error, CustomStringConvertible {
    public let name: String
    public let known: [String]
    public var description: String {
        let list = known.isEmpty ? "none are linked into this build" : known.joined(separator: ", ")
        return "unknown subject \"\(name)\"; known subjects: \(list) (see `operator subjects`)"
    }
}
