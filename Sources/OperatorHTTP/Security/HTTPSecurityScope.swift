import AsyncHTTPClient
import Synchronization

/// The TLS settings and credentials of one watched cluster, applied to every request made on its behalf.
///
/// A cluster's `tls:` applies to every `https` URL its requests go to, including addresses the cluster
/// advertises (PD's store status addresses, etcd's member client URLs), which no one configured by hand;
/// a server with its own settings (the cluster's Prometheus) is listed by origin and uses those instead.
///
/// Which scope applies: the task-local ``current`` (set around each cluster's monitor when one process
/// watches several), else the process-wide one (``installProcessWide(_:)``, set by one-cluster commands).
/// `OperatorHTTPClient.fetch` applies it to every request, so no client can forget it.
public final class HTTPSecurityScope: Sendable {
    /// Settings of one server that differ from the cluster's.
    public struct Origin: Sendable {
        public var tls: TLSConfigurationSource?
        public var authorization: HTTPAuthorization?
        public init(tls: TLSConfigurationSource? = nil, authorization: HTTPAuthorization? = nil) {
            self.tls = tls
            self.authorization = authorization
        }
    }

    /// For every `https` URL without an origin of its own.
    public let clusterTLS: TLSConfigurationSource?
    /// By origin (`scheme://host:port`).
    private let origins: [String: Origin]

    public init(clusterTLS: TLSConfigurationSource?, origins: [String: Origin] = [:]) {
        self.clusterTLS = clusterTLS
        self.origins = origins
    }

    /// Adds a server with its own settings (Prometheus), keyed by the origin of `url`.
    public func adding(url: String, _ origin: Origin) -> HTTPSecurityScope {
        guard let key = HTTPCredentials.origin(of: url) else { return self }
        var all = origins
        all[key] = origin
        return HTTPSecurityScope(clusterTLS: clusterTLS, origins: all)
    }

    func origin(_ key: String) -> Origin? { origins[key] }

    /// Every TLS source this scope uses (for warnings and checks at startup).
    public var tlsSources: [TLSConfigurationSource] {
        [clusterTLS].compactMap { $0 } + origins.values.compactMap(\.tls)
    }

    @TaskLocal public static var current: HTTPSecurityScope?

    private static let processWide = Mutex<HTTPSecurityScope?>(nil)

    /// The scope for requests made outside any task-local one: a one-cluster command's cluster.
    public static func installProcessWide(_ scope: HTTPSecurityScope?) {
        processWide.withLock { $0 = scope }
    }

    /// The scope that applies to the calling task.
    public static var effective: HTTPSecurityScope? {
        current ?? processWide.withLock { $0 }
    }

    /// Servers configured outside any cluster (a model endpoint's `ca_file`): used by every scope.
    private static let processOrigins = Mutex<[String: Origin]>([:])

    /// Gives `url`'s origin its own settings in every scope (a self-hosted model server behind a private CA).
    public static func registerProcessWide(url: String, _ origin: Origin) {
        guard let key = HTTPCredentials.origin(of: url) else { return }
        processOrigins.withLock { $0[key] = origin }
    }

    /// The settings of the server at `key`: the scope's own entry, else a process-wide one.
    static func settings(forOrigin key: String, in scope: HTTPSecurityScope?) -> (tls: TLSConfigurationSource?, authorization: HTTPAuthorization?) {
        let own = scope?.origin(key) ?? processOrigins.withLock { $0[key] }
        let tls = own?.tls ?? (key.hasPrefix("https://") ? scope?.clusterTLS : nil)
        return (key.hasPrefix("https://") ? tls : nil, own?.authorization)
    }

    /// Sets the request's TLS configuration (for `https`) and its `Authorization` (unless it has one),
    /// from the calling task's scope. With `server_name` set (and not the URL's host), the request is
    /// rewritten to be verified as that name and the client that connects it to the URL's address is
    /// returned (see ``ServerNameRoute``); nil: send it on the caller's client.
    public static func prepare(_ request: inout HTTPClientRequest) throws(HTTPSecurityError) -> HTTPClient? {
        guard let key = HTTPCredentials.origin(of: request.url) else { return nil }
        let (tls, authorization) = settings(forOrigin: key, in: effective)
        if let authorization, request.headers["authorization"].isEmpty {
            do { request.headers.replaceOrAdd(name: "Authorization", value: try authorization.headerValue()) } catch {
                throw HTTPSecurityError(description: error.description)
            }
        }
        guard let tls else { return nil }
        do { request.tlsConfiguration = try tls.configuration() } catch {
            throw HTTPSecurityError(description: error.description)
        }
        guard let serverName = tls.settings.serverName, !tls.settings.insecureSkipVerify else { return nil }
        return ServerNameRoute.apply(serverName: serverName, to: &request)
    }
}

/// TLS material or a secret that could not be prepared for a request.
public struct HTTPSecurityError: Error, CustomStringConvertible, Sendable {
    public let description: String
}
