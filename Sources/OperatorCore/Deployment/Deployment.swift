import Foundation

/// Runs a cluster somewhere Operator can watch it: local processes, a compose stack, later a cloud.
/// Implementations live outside the core (DeployLocal); recipes come from subjects.
public protocol Deployment: Sendable {
    /// `process`, `compose`, `simulator`, …: the name the recipe was chosen by, in status, listings and errors.
    var backend: String { get }
    /// Starts every member and waits until healthy, reporting progress in short lines.
    func up(progress: @escaping @Sendable (String) -> Void) async throws -> DeploymentStatus
    /// Stops every member; `removeState` also deletes data directories and volumes.
    func down(removeState: Bool) async throws
    func status() async throws -> DeploymentStatus
    /// Hard-kills one member (SIGKILL, `docker kill`): the fault a chaos run injects.
    func kill(_ member: Entity) async throws
    func restart(_ member: Entity) async throws
    /// The faults this deployment can inject, by kind and entity kind (`operator chaos list`).
    var faultOffers: [FaultOffer] { get }
    /// Injects one of ``faultOffers``; anything else throws ``UnsupportedFaultError`` listing the offers.
    func inject(_ fault: DeploymentFault) async throws
    /// Undoes an injected fault (SIGCONT for `stop`, a restart for `kill`).
    func lift(_ fault: DeploymentFault) async throws
}

/// What a deployment is running.
public struct DeploymentStatus: Sendable, Codable, Equatable {
    public var subject: String
    public var backend: String
    public var members: [MemberStatus]
    /// Endpoints to give `--endpoints` to watch this deployment.
    public var endpoints: [String]

    public init(subject: String, backend: String, members: [MemberStatus], endpoints: [String]) {
        self.subject = subject
        self.backend = backend
        self.members = members
        self.endpoints = endpoints
    }

    public struct MemberStatus: Sendable, Codable, Equatable {
        public enum State: String, Sendable, Codable {
            case running, healthy, unhealthy, stopped, unknown
        }

        public var entity: Entity
        public var state: State
        public var pid: Int32?
        public var container: String?
        public var endpoint: String?
        public var detail: String?

        public init(
            entity: Entity, state: State, pid: Int32? = nil, container: String? = nil, endpoint: String? = nil,
            detail: String? = nil
        ) {
            self.entity = entity
            self.state = state
            self.pid = pid
            self.container = container
            self.endpoint = endpoint
            self.detail = detail
        }
    }
}

/// A subject's recipe for one deployment backend: given the user's options, what to run.
public struct DeploymentRecipe: Sendable {
    public var backend: String
    public var summary: String
    public var plan: @Sendable (DeploymentOptions) throws -> DeploymentPlan
    /// Faults the subject injects into its running members itself (on top of the backend's own).
    public var faults: (any RecipeFaultHandler)?

    public init(
        backend: String, summary: String, faults: (any RecipeFaultHandler)? = nil,
        plan: @escaping @Sendable (DeploymentOptions) throws -> DeploymentPlan
    ) {
        self.backend = backend
        self.summary = summary
        self.faults = faults
        self.plan = plan
    }
}

/// What the user asked `operator deploy up` for.
public struct DeploymentOptions: Sendable {
    public var members: Int
    public var basePort: Int?
    /// Where PIDs, data directories and logs go.
    public var stateDirectory: String
    public var extra: [String: String]

    public init(members: Int = 3, basePort: Int? = nil, stateDirectory: String, extra: [String: String] = [:]) {
        self.members = members
        self.basePort = basePort
        self.stateDirectory = stateDirectory
        self.extra = extra
    }
}

/// A backend-neutral description of a cluster to run.
public enum DeploymentPlan: Sendable {
    case processes(ProcessClusterPlan)
    case compose(ComposeClusterPlan)
}

/// Members run as local processes.
public struct ProcessClusterPlan: Sendable, Codable, Equatable {
    public var subject: String
    public var members: [Member]
    /// Shown when the executable is missing (`apt-get install some-server-package`).
    public var installHint: String
    /// Faults the running members inject into themselves on request (a simulator), on top of the
    /// process faults the backend offers.
    public var faultControl: FaultControlEndpoint?
    /// The recipe's backend name when it runs processes under another name (a simulator run as a process
    /// is the `simulator` backend); nil is plain `process`.
    public var backend: String?

    public init(
        subject: String, members: [Member], installHint: String, faultControl: FaultControlEndpoint? = nil, backend: String? = nil
    ) {
        self.subject = subject
        self.members = members
        self.installHint = installHint
        self.faultControl = faultControl
        self.backend = backend
    }

    enum CodingKeys: String, CodingKey {
        case subject, members, installHint, backend
        case faultControl = "fault_control"
    }

    public struct Member: Sendable, Codable, Equatable {
        public var entity: Entity
        public var executable: String
        public var arguments: [String]
        public var environment: [String: String]
        /// Ports the member listens on (checked free before start).
        public var ports: [Int]
        /// The member's client endpoint, for `--endpoints`.
        public var endpoint: String
        /// GET this until it answers 2xx to call the member healthy.
        public var healthURL: String
        /// Relative to the deployment's state directory.
        public var dataDirectory: String

        public init(
            entity: Entity, executable: String, arguments: [String], environment: [String: String] = [:], ports: [Int],
            endpoint: String, healthURL: String, dataDirectory: String
        ) {
            self.entity = entity
            self.executable = executable
            self.arguments = arguments
            self.environment = environment
            self.ports = ports
            self.endpoint = endpoint
            self.healthURL = healthURL
            self.dataDirectory = dataDirectory
        }
    }
}

/// Members run as services of a compose file.
public struct ComposeClusterPlan: Sendable, Codable, Equatable {
    public var subject: String
    public var composeFile: String
    public var projectName: String
    /// Compose service running each entity (`store:1` → `db0`).
    public var services: [String: String]
    public var endpoints: [String]
    /// GET these until they answer 2xx to call the stack healthy.
    public var healthURLs: [String]
    public var profiles: [String]
    /// Variables the compose file interpolates (`${CLIENT_PORT}`), set for every compose command.
    public var environment: [String: String]
    /// Members whose ids the cluster assigns at run time, so no fixed entry in `services` can name them.
    public var memberDirectory: MemberDirectory?

    public init(
        subject: String, composeFile: String, projectName: String, services: [String: String], endpoints: [String],
        healthURLs: [String], profiles: [String] = [], environment: [String: String] = [:],
        memberDirectory: MemberDirectory? = nil
    ) {
        self.subject = subject
        self.composeFile = composeFile
        self.projectName = projectName
        self.services = services
        self.endpoints = endpoints
        self.healthURLs = healthURLs
        self.profiles = profiles
        self.environment = environment
        self.memberDirectory = memberDirectory
    }

    /// Where the running cluster lists the members of one kind: a GET of `urls` (first that answers)
    /// returns JSON holding an array at `listPath`; in each item, `idPath` is the member's id, `addressPath`
    /// its `host:port` address, whose host is the compose service running it, and `statePath` the state
    /// the cluster reports for it. Lets a deployment map `kind:id` to a container when asked, and report
    /// members as the cluster sees them.
    public struct MemberDirectory: Sendable, Codable, Equatable {
        public var kind: String
        public var urls: [String]
        public var listPath: [String]
        public var idPath: [String]
        public var addressPath: [String]
        public var statePath: [String]
        /// States that count as healthy; any other reported state is unhealthy.
        public var healthyStates: [String]

        public init(
            kind: String, urls: [String], listPath: [String], idPath: [String], addressPath: [String],
            statePath: [String], healthyStates: [String]
        ) {
            self.kind = kind
            self.urls = urls
            self.listPath = listPath
            self.idPath = idPath
            self.addressPath = addressPath
            self.statePath = statePath
            self.healthyStates = healthyStates
        }

        enum CodingKeys: String, CodingKey {
            case kind, urls
            case listPath = "list_path"
            case idPath = "id_path"
            case addressPath = "address_path"
            case statePath = "state_path"
            case healthyStates = "healthy_states"
        }
    }

    enum CodingKeys: String, CodingKey {
        case subject, services, endpoints, profiles, environment
        case composeFile = "compose_file"
        case projectName = "project_name"
        case healthURLs = "health_urls"
        case memberDirectory = "member_directory"
    }
}
