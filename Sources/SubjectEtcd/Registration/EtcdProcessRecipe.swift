import Foundation
import OperatorCore

/// `operator deploy up --subject etcd --backend process`: N members of Debian's etcd on 127.0.0.1.
///
/// Ports: member i (from 0) listens for clients on `base + 2i` and for peers on `base + 2i + 1`, so the
/// default base 2379 gives e1 etcd's usual 2379/2380, e2 2381/2382, e3 2383/2384. Names are e1…eN, data
/// directories `<state>/eN.data`, logs in zap JSON on stderr (collected by the backend). Flags as in
/// etcd-prometheus-observed.md §A "Member launcher".
public enum EtcdProcessRecipe {
    public static let defaultBasePort = 2379
    public static let maximumMembers = 9
    public static let installHint = "install it with `apt-get install etcd-server` (Debian's package for /usr/bin/etcd)"

    public static let recipe = DeploymentRecipe(
        backend: "process", summary: "etcd members as local processes on 127.0.0.1 (client port base+2i, peer port base+2i+1)",
        plan: { options in .processes(try plan(options)) })

    public struct OptionsError: Error, CustomStringConvertible {
        public let description: String
    }

    public static func plan(_ options: DeploymentOptions) throws(OptionsError) -> ProcessClusterPlan {
        guard (1...maximumMembers).contains(options.members) else {
            throw OptionsError(description: "--members must be between 1 and \(maximumMembers) (odd counts tolerate failures best), got \(options.members)")
        }
        let base = options.basePort ?? defaultBasePort
        let last = base + 2 * options.members - 1
        guard base >= 1024, last <= 65535 else {
            throw OptionsError(description: "--base-port \(base) with \(options.members) members needs ports \(base)–\(last); choose a base between 1024 and \(65536 - 2 * options.members)")
        }
        let stateDirectory = URL(fileURLWithPath: options.stateDirectory).standardizedFileURL.path
        let names = (1...options.members).map { "e\($0)" }
        func clientPort(_ i: Int) -> Int { base + 2 * i }
        func peerPort(_ i: Int) -> Int { base + 2 * i + 1 }
        let initialCluster = names.enumerated().map { "\($1)=http://127.0.0.1:\(peerPort($0))" }.joined(separator: ",")
        let members = names.enumerated().map { i, name in
            let client = "http://127.0.0.1:\(clientPort(i))"
            let peer = "http://127.0.0.1:\(peerPort(i))"
            let dataDirectory = "\(name).data"
            return ProcessClusterPlan.Member(
                entity: Entity(kind: "member", id: name), executable: "etcd",
                arguments: [
                    "--name", name,
                    "--data-dir", (stateDirectory as NSString).appendingPathComponent(dataDirectory),
                    "--listen-client-urls", client, "--advertise-client-urls", client,
                    "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                    "--initial-cluster", initialCluster,
                    // Distinct per base port, so two local clusters never mistake each other's peers.
                    "--initial-cluster-token", "operator-etcd-\(base)",
                    // On a restart the data directory wins and this flag is ignored (§A).
                    "--initial-cluster-state", "new",
                    "--logger", "zap", "--log-outputs", "stderr",
                ],
                ports: [clientPort(i), peerPort(i)], endpoint: client, healthURL: "\(client)/health",
                dataDirectory: dataDirectory)
        }
        return ProcessClusterPlan(subject: EtcdRegistration.name, members: members, installHint: installHint)
    }
}
