import ArgumentParser
import Foundation
import Logging
import OperatorBench
import OperatorConfiguration

/// One `operator serve` watching 1, 10, 50 and 100 simulated TiKV clusters: RSS per cluster, CPU per
/// cluster-tick, tick lateness p99, with ratios to the smallest count; with `--replicas N`, N replicas
/// sharing the largest count by lease against one serve watching it alone.
struct BenchClustersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clusters",
        abstract: "RSS per cluster, CPU per cluster-tick and tick lateness p99 of one `operator serve` watching 1, 10, 50 and 100 simulated TiKV clusters (3 stores each, every 5 s).",
        discussion: """
            Starts the largest number of simulated TiKV clusters (embedded simulators, 3 PD members and --stores stores each) in this process, then for each count in turn `operator serve` (this program, a child process) watching that many of them on a fresh SQLite file (or --db), waits until every monitor has ticked and a warm-up passed, and measures serve alone over --duration: its RSS (/proc), its CPU time per cluster-tick (/proc/<pid>/stat) and how late each tick started against its schedule (read from GET /api/v1/clusters). Prints the ratios to the smallest count. Everything started is stopped at the end, also on error or Ctrl-C.

            --replicas N (N > 1) measures the largest count only: first one serve alone watching all of its clusters (the baseline row), then N `operator serve` replicas (--replica-name bench-replica-1…N, --lease-duration, each on its own port) with the same config and the same store (--db, a PostgreSQL URL or a SQLite path; default one fresh SQLite file shared by every replica: SQLite's single writer). Once every cluster is watched by exactly one replica, the one the lease table names (GET /api/v1/clusters `watched_by`), and none holds more than ceil(clusters / N), it warms up and measures over --duration: each replica's clusters, RSS and CPU per cluster-tick, tick lateness and tick p99 over all clusters, unhealthy ticks, with ratios to the baseline. Every read from the settled state to the window's end counts the clusters watched by no replica or by more than one (`/healthz` `watching` of each replica): a run where that count is not 0 prints its table and exits 1.
            """)

    @Option(name: .customLong("clusters"), help: ArgumentHelp("Cluster counts to measure, one serve run each (repeatable; default 1, 10, 50, 100).", valueName: "n"))
    var clusterCounts: [Int] = []
    @Option(help: ArgumentHelp("Stores per simulated cluster.", valueName: "n")) var stores = 3
    @Option(help: ArgumentHelp("How often serve's monitors tick (serve's default).", valueName: "duration")) var interval = "5s"
    @Option(help: ArgumentHelp("The measured window per count.", valueName: "duration")) var duration = "60s"
    @Option(help: ArgumentHelp("Run before each window, after every monitor has ticked.", valueName: "duration")) var warmup = "10s"
    @Option(
        name: .customLong("db"),
        help: ArgumentHelp("serve's --db for every count (a SQLite path or a database URL); default: a fresh SQLite file per count.", valueName: "path-or-url"))
    var database: String?
    @Option(help: ArgumentHelp("serve replicas sharing the largest count by lease, against one serve alone (1: every count, one serve each).", valueName: "n"))
    var replicas = 1
    @Option(help: ArgumentHelp("The replicas' --lease-duration (serve's default 15s); with --replicas only.", valueName: "duration"))
    var leaseDuration: String?
    @Flag(help: "Print the table as markdown.") var markdown = false
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        try CLILogging.bootstrap(level: nil, fallback: .warning)
        let options = try options()
        if options.replicas > 1 { return try await runReplicas(options) }
        let report = try await BenchCommand.measure(quiet: json) { executable, logger, progress in
            try await ClustersBenchmark.measure(options: options, executable: executable, logger: logger, progress: progress)
        }
        if json { return try Output.json(report) }
        Output.line(report.table.render(markdown: markdown))
    }

    /// The replicas' run: the report is printed whatever it found; clusters not watched by exactly one
    /// replica fail the command after it.
    private func runReplicas(_ options: ClustersBenchmark.Options) async throws {
        let report = try await BenchCommand.measure(quiet: json) { executable, logger, progress in
            try await ClustersBenchmark.measureReplicas(options: options, executable: executable, logger: logger, progress: progress)
        }
        if json { try Output.json(report) } else { Output.line(report.table.render(markdown: markdown)) }
        guard report.watcherFaults == 0 else {
            throw CLIFailure(
                "\(report.watcherFaults) cluster(s) were not watched by exactly one replica at some read: the replicas did not share the clusters correctly (see the watchers note; each replica's log is in the run's temporary directory, removed at the end)")
        }
    }

    func options() throws -> ClustersBenchmark.Options {
        let counts = clusterCounts.isEmpty ? ClustersBenchmark.defaultSizes : clusterCounts
        for count in counts where !(1...500).contains(count) {
            throw CLIFailure("--clusters must be 1…500, got \(count)", exitCode: 2)
        }
        guard (1...100).contains(stores) else { throw CLIFailure("--stores must be 1…100, got \(stores)", exitCode: 2) }
        var options = ClustersBenchmark.Options()
        options.sizes = counts
        options.storesPerCluster = stores
        options.interval = try SettingLimits.interval.parse(interval, from: .flag("--interval"))
        options.duration = try SettingLimits.harnessDuration("--duration", minimum: .seconds(1)).parse(duration, from: .flag("--duration"))
        options.warmup = try SettingLimits.harnessDuration("--warmup", minimum: .zero).parse(warmup, from: .flag("--warmup"))
        guard options.duration >= options.interval else {
            throw CLIFailure("--duration (\(duration)) must be at least one --interval (\(interval)): a window with no tick measures nothing", exitCode: 2)
        }
        if let database, database.isEmpty { throw CLIFailure("--db is empty; give a SQLite path or a database URL, or leave it out", exitCode: 2) }
        options.database = database
        guard (1...10).contains(replicas) else { throw CLIFailure("--replicas must be 1…10, got \(replicas)", exitCode: 2) }
        options.replicas = replicas
        if let leaseDuration {
            guard replicas > 1 else { throw CLIFailure("--lease-duration applies to --replicas N with N > 1; leave it out or add --replicas", exitCode: 2) }
            options.leaseDuration = try SettingLimits.leaseDuration.parse(leaseDuration, from: .flag("--lease-duration"))
        }
        if replicas > 1, let largest = counts.max(), largest < replicas {
            throw CLIFailure("--replicas \(replicas) needs at least \(replicas) clusters to share; the largest --clusters is \(largest)", exitCode: 2)
        }
        return options
    }
}
