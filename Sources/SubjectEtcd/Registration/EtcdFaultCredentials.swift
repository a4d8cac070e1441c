import Foundation
import OperatorCore
import OperatorHTTP

/// Who etcd's recipe faults act as on a secured cluster: an admin user (etcd lets only root transfer
/// leadership, remove members, defragment and disarm alarms) and the TLS files to reach the members.
///
/// `.environment` reads them as etcdctl does, when a fault runs: `ETCDCTL_USER` (`name` or `name:password`)
/// with `ETCDCTL_PASSWORD`, and `ETCDCTL_CACERT`, `ETCDCTL_CERT`, `ETCDCTL_KEY`. Nothing set: plain requests,
/// as to the clusters `operator deploy` starts. TLS settings already in effect (the cluster's
/// `HTTPSecurityScope`, as in `serve` or a test) win over the environment's.
public enum EtcdFaultCredentials: Sendable {
    case environment
    /// Explicit settings (a harness that knows the cluster): a session for the admin user, TLS files.
    case explicit(session: EtcdAuthSession?, tls: TLSFileSettings?)

    /// Runs `work` with the token session (`EtcdProcessFaults.session`) and TLS settings these credentials give.
    func applying(_ fault: DeploymentFault, _ work: () async throws -> Void) async throws {
        let (session, tls) = try resolve(fault: fault, environment: ProcessInfo.processInfo.environment)
        try await EtcdProcessFaults.$session.withValue(session) {
            guard let tls, HTTPSecurityScope.effective?.clusterTLS == nil else { return try await work() }
            try await HTTPSecurityScope.$current.withValue(HTTPSecurityScope(clusterTLS: TLSConfigurationSource(settings: tls))) {
                try await work()
            }
        }
    }

    func resolve(fault: DeploymentFault, environment: [String: String]) throws -> (EtcdAuthSession?, TLSFileSettings?) {
        switch self {
        case .explicit(let session, let tls):
            return (session, tls)
        case .environment:
            var session: EtcdAuthSession?
            if let user = environment["ETCDCTL_USER"], !user.isEmpty {
                let parts = user.split(separator: ":", maxSplits: 1)
                let name = String(parts[0])
                let password: SecretSource
                if environment["ETCDCTL_PASSWORD"].map({ !$0.isEmpty }) == true {
                    password = .environment("ETCDCTL_PASSWORD")
                } else if parts.count == 2, !parts[1].isEmpty {
                    password = .value(String(parts[1]))
                } else {
                    throw EtcdFaultError(
                        fault: fault, reason: "ETCDCTL_USER names user \(name) without a password; set ETCDCTL_USER=\(name):<password> or ETCDCTL_PASSWORD")
                }
                session = EtcdAuthSession(username: name, password: password)
            }
            let tls = TLSFileSettings(
                caFile: environment["ETCDCTL_CACERT"].flatMap { $0.isEmpty ? nil : $0 },
                certFile: environment["ETCDCTL_CERT"].flatMap { $0.isEmpty ? nil : $0 },
                keyFile: environment["ETCDCTL_KEY"].flatMap { $0.isEmpty ? nil : $0 })
            return (session, tls.isEmpty ? nil : tls)
        }
    }
}
