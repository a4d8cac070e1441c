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
        faults: EtcdProcessFaults(),
        plan: { options in .processes(try plan(options)) })

    /// `--option quota-backend-bytes=N` (every member) or `=e2=N[,e3=M]` (those members): etcd's
    /// `--quota-backend-bytes`, small enough for the `nospace` fault to raise the NOSPACE alarm quickly.
    public static let quotaOption = "quota-backend-bytes"
    /// etcd refuses nothing below, but a quota under its empty database (20 KiB) alarms at once.
    static let quotaRange: ClosedRange<Int> = (64 << 10)...(8 << 30)

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
        let quotas = try quotas(options.extra[quotaOption], names: names)
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
                ] + (quotas[name].map { ["--quota-backend-bytes", "\($0)"] } ?? []),
                ports: [clientPort(i), peerPort(i)], endpoint: client, healthURL: "\(client)/health",
                dataDirectory: dataDirectory)
        }
        return ProcessClusterPlan(subject: EtcdRegistration.name, members: members, installHint: installHint)
    }

    /// Member name → quota in bytes, from `N` (all) or `e2=N,e3=M`.
    static func quotas(_ text: String?, names: [String]) throws(OptionsError) -> [String: Int] {
        guard let text else { return [:] }
        func bytes(_ value: Substring) throws(OptionsError) -> Int {
            guard let n = Int(value.trimmingCharacters(in: .whitespaces)), quotaRange.contains(n) else {
                throw OptionsError(description: "\(quotaOption)=\(text): \"\(value)\" must be a byte count between \(quotaRange.lowerBound) and \(quotaRange.upperBound), e.g. 1048576")
            }
            return n
        }
        if !text.contains("=") {
            let n = try bytes(Substring(text))
            return Dictionary(uniqueKeysWithValues: names.map { ($0, n) })
        }
        var out: [String: Int] = [:]
        for part in text.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, names.contains(String(pair[0])) else {
                throw OptionsError(description: "\(quotaOption)=\(text): \"\(part)\" must be member=bytes with a member of \(names.joined(separator: ", "))")
            }
            out[String(pair[0])] = try bytes(pair[1])
        }
        return out
    }
}
