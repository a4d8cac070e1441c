import ArgumentParser
import OperatorBench

/// Peak memory for fetching and decoding one large PD `/stores` answer, as a multiple of its size.
struct BenchResponsesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "responses",
        abstract: "Peak memory to fetch and decode one large PD /stores body, next to the body's size.",
        discussion: """
            `--whole-document` decodes the way Operator did before element-wise decoding (one JSONDecoder parse of the whole body) and lifts the route's body cap, for the before/after comparison.
            """)

    @Option(help: "What to fetch: stores (PD /stores via PDClient) or metrics (a /metrics page via MetricsScraper).")
    var kind: ResponseMemoryBenchmark.Kind = .stores
    @Option(help: ArgumentHelp("Body sizes, smallest first (e.g. 1MB,10MB,50MB).", valueName: "sizes"))
    var sizes: String = "1MB,10MB,50MB"
    @Flag(help: "Decode the whole body in one JSONDecoder parse, with no body cap (the old behaviour).")
    var wholeDocument = false
    @Flag(help: "With --kind metrics: parse every family, not only those the TiKV subject reads (the old behaviour).")
    var allFamilies = false
    @Option(help: ArgumentHelp("Accept bodies up to this size instead of the route's cap (e.g. 100MB).", valueName: "size"))
    var maxBody: String?
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        var options = ResponseMemoryBenchmark.Options()
        options.kind = kind
        options.wholeDocument = wholeDocument
        options.allFamilies = allFamilies
        options.maxBody = maxBody
        let report = try await BenchCommand.mappingErrors {
            options.sizes = try sizes.split(separator: ",").map { try BenchFormat.bytes(String($0)) }
            return try await ResponseMemoryBenchmark.measure(options: options)
        }
        if json { return try Output.json(report.rows) }
        Output.line(report.table.render(markdown: false))
    }
}

extension ResponseMemoryBenchmark.Kind: ExpressibleByArgument {}
