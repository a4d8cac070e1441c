import ArgumentParser
import OperatorBench

/// Log parser throughput against `grep -c -F` with the same patterns, on the same file, in the same run.
struct BenchLogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "TiKV log parser throughput (MB/s) next to grep -c on the same patterns and file.")

    @Option(help: ArgumentHelp("Size of the generated TiKV log (e.g. 1GiB, 200MiB).", valueName: "size"))
    var size: String = "1GiB"
    @Option(help: ArgumentHelp("Parse this existing log instead of generating one.", valueName: "path"))
    var file: String?
    @Option(help: ArgumentHelp("Directory for the generated file (default: a temporary directory).", valueName: "dir"))
    var workDirectory: String?
    @Flag(help: "Keep the generated file.") var keep = false
    @Flag(help: "Print the table as markdown.") var markdown = false
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        var options = LogThroughputBenchmark.Options()
        options.size = size
        options.file = file
        options.workDirectory = workDirectory
        options.keep = keep
        let quiet = json
        let result = try await BenchCommand.mappingErrors {
            try await LogThroughputBenchmark.measure(options: options, progress: { if !quiet { Output.note($0) } })
        }
        if json { return try Output.json(result) }
        Output.line(result.table.render(markdown: markdown))
    }
}
