import ArgumentParser
import OperatorConfiguration
import OperatorCore

/// How a monitor loop paces itself and ages tickets: `--interval`, `--tick-timeout`, `--resolve-after`,
/// `--degraded-after`, the flap settings, or the same keys in operator.yaml (a cluster entry's keys over the
/// top-level ones). Flags win over the file; both are held to the ranges in `SettingLimits`. `monitor`
/// watches one cluster with it, `serve` every configured one.
struct MonitorLoopOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Time between ticks, e.g. 500ms, 1s, 2m (default 5s or `interval` in operator.yaml).", valueName: "duration"))
    var interval: String?

    @Option(help: ArgumentHelp("Budget for one observation (default: twice the interval, at least 10s).", valueName: "duration"))
    var tickTimeout: String?

    @Option(help: ArgumentHelp("Resolve a ticket after its violation is absent this many consecutive ticks (default 3).", valueName: "n"))
    var resolveAfter: Int?

    @Option(help: ArgumentHelp("Open an observation-degraded ticket after this many consecutive ticks that could not see all of the cluster (default 2).", valueName: "n"))
    var degradedAfter: Int?

    @Flag(
        inversion: .prefixedNo,
        help: "Look at a node at once when the subject's connection to it is lost and reconnects are refused (a liveness signal), besides the regular ticks.")
    var livenessSignals = true

    @OptionGroup var flapping: FlapOptions

    func configuration(cluster: String, file: OperatorConfigFile) throws -> MonitorConfiguration {
        let every = try interval.map { try SettingLimits.interval.parse($0, from: .flag("--interval")) }
            ?? file.duration(SettingLimits.interval) ?? .seconds(5)
        let tickBudget = try tickTimeout.map { try SettingLimits.tickTimeout.parse($0, from: .flag("--tick-timeout")) }
            ?? file.duration(SettingLimits.tickTimeout)
        let absentTicks = try resolveAfter.map { try SettingLimits.resolveAfter.check($0, from: .flag("--resolve-after")) }
            ?? file.integer(SettingLimits.resolveAfter) ?? 3
        let degraded = try degradedAfter.map { try SettingLimits.degradedAfter.check($0, from: .flag("--degraded-after")) }
            ?? file.integer(SettingLimits.degradedAfter) ?? 2
        return MonitorConfiguration(
            interval: every, tickTimeout: tickBudget,
            policy: TicketPolicy(resolveAfterAbsentTicks: absentTicks, flapping: try flapping.policy(file: file)),
            degradedAfter: degraded, cluster: cluster, livenessSignals: livenessSignals)
    }
}
