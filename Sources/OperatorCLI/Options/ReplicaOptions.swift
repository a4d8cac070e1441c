import ArgumentParser
import Foundation
import OperatorConfiguration
import OperatorCore

/// Who this `serve` replica is among those sharing a database (`--replica-name`, default host-pid) and how
/// long its leases last (`--lease-duration`). One replica alone holds every lease; several share them.
struct ReplicaOptions: ParsableArguments {
    @Option(help: ArgumentHelp("This replica's name among the replicas sharing the database (default HOSTNAME-PID); letters, digits, '.', '_', '-'.", valueName: "name"))
    var replicaName: String?

    @Option(help: ArgumentHelp("How long a lease on a cluster lasts unless renewed (renewed every third of it); a killed replica's clusters move after at most about this long (default 15s).", valueName: "duration"))
    var leaseDuration: String?

    func replica() throws -> String {
        guard let replicaName else { return Self.defaultName() }
        guard (1...128).contains(replicaName.count),
            replicaName.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0)) })
        else {
            throw CLIFailure(
                "--replica-name \(replicaName): expected 1 to 128 letters, digits, '.', '_' or '-', e.g. operator-a; leave it out for HOSTNAME-PID",
                exitCode: 2)
        }
        return replicaName
    }

    func duration() throws -> Duration {
        try leaseDuration.map { try SettingLimits.leaseDuration.parse($0, from: .flag("--lease-duration")) } ?? .seconds(15)
    }

    /// The host name (what a pod is called on Kubernetes) and the process id: unique on one machine and
    /// readable in logs. Characters outside the name pattern become '-'.
    static func defaultName() -> String {
        "\(hostPart)-\(ProcessInfo.processInfo.processIdentifier)"
    }

    static let hostPart: String = {
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "operator"
        let cleaned = String(host.unicodeScalars.map { scalar -> Character in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "-" || scalar == "_")
                ? Character(scalar) : "-"
        }.prefix(100))
        return cleaned.isEmpty ? "operator" : cleaned
    }()

    /// A default-named replica of this machine (`HOST-PID`, not this process) whose process no longer
    /// exists: killed, its leases not yet expired. A reused PID only makes us wait for the expiry.
    static func isGoneLocalReplica(_ holder: String) -> Bool {
        let prefix = hostPart + "-"
        guard holder.hasPrefix(prefix), let pid = Int32(holder.dropFirst(prefix.count)), pid > 0,
            pid != ProcessInfo.processInfo.processIdentifier
        else { return false }
        return kill(pid, 0) == -1 && errno == ESRCH
    }
}
