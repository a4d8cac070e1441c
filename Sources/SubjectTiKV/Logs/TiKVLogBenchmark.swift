import OperatorCore

/// How fast a log parser got through a file.
public struct LogParseThroughput: Sendable, Equatable, Codable {
    public var bytes: Int
    public var lines: Int
    public var events: Int
    public var ignored: Int
    public var unparseable: Int
    public var elapsedSeconds: Double

    public init(bytes: Int, lines: Int, events: Int, ignored: Int, unparseable: Int, elapsedSeconds: Double) {
        self.bytes = bytes
        self.lines = lines
        self.events = events
        self.ignored = ignored
        self.unparseable = unparseable
        self.elapsedSeconds = elapsedSeconds
    }

    public var megabytesPerSecond: Double { elapsedSeconds > 0 ? Double(bytes) / 1_048_576 / elapsedSeconds : 0 }
    public var linesPerSecond: Double { elapsedSeconds > 0 ? Double(lines) / elapsedSeconds : 0 }

    enum CodingKeys: String, CodingKey {
        case bytes, lines, events, ignored, unparseable
        case elapsedSeconds = "elapsed_seconds"
    }
}

/// Log parsing throughput, for `operator bench`: streams a file through a parser the way
/// `operator logs parse` does (``LineReader``, constant memory) and times it.
public enum TiKVLogBenchmark {
    /// Parses every line of the file at `path` (`-` for standard input) and counts the results.
    /// Lines longer than `maximumLineBytes` count as unparseable, as in `operator logs parse`.
    public static func parseFile(
        atPath path: String, parser: some ClusterLogParser = TiKVLogParser(), maximumLineBytes: Int = 1024 * 1024
    ) throws(LineReaderError) -> LogParseThroughput {
        try measure(atPath: path, maximumLineBytes: maximumLineBytes) { LineOutcome(parser.parse(lineBytes: $0)) }
    }

    /// Finds every event of the file at `path` the fast way (``TiKVLogParser/summarize(lineBytes:wanted:)``):
    /// the same events as ``parseFile(atPath:parser:maximumLineBytes:)``, decoding only the lines whose
    /// bytes can be one, and of those only what a summary holds (time, level, kind, store, ids, duration).
    public static func scanFile(
        atPath path: String, wanted: Set<TiKVLogEventKind>? = nil, maximumLineBytes: Int = 1024 * 1024
    ) throws(LineReaderError) -> LogParseThroughput {
        let parser = TiKVLogParser()
        // What a reader of events does with them: here, counting those that name a store, so the summaries
        // are used (and not optimised away) without copying them out of the loop.
        var onStores = 0
        let throughput = try measure(atPath: path, maximumLineBytes: maximumLineBytes) { (bytes) -> LineOutcome in
            switch parser.summarize(lineBytes: bytes, wanted: wanted) {
            case .event(let summary):
                if summary.entity != nil { onStores += 1 }
                return .event
            case .ignored: return .ignored
            case .unparseable: return .unparseable
            }
        }
        keep(onStores)
        return throughput
    }

    /// Takes a result the optimiser must then compute (as Swift's own benchmarks do).
    @_optimize(none)
    private static func keep(_ value: Int) {}

    /// What a line came to, without its event: a closure that handed back the whole `LogLineResult` copied
    /// every event (a tenth of the scan's time); classified inside the closure, nothing is copied.
    private enum LineOutcome {
        case event, ignored, unparseable

        init(_ result: LogLineResult) {
            switch result {
            case .event: self = .event
            case .ignored: self = .ignored
            case .unparseable: self = .unparseable
            }
        }
    }

    private static func measure(
        atPath path: String, maximumLineBytes: Int, _ classify: (UnsafeBufferPointer<UInt8>) -> LineOutcome
    ) throws(LineReaderError) -> LogParseThroughput {
        let clock = ContinuousClock()
        let started = clock.now
        let reader = try LineReader(path: path, maximumLineBytes: maximumLineBytes)
        var events = 0, ignored = 0, unparseable = 0
        // Bytes straight from the read buffer, as `operator logs parse` reads them.
        while try reader.withNextLine({ (line) -> Void in
            if line.isTruncated {
                unparseable += 1
                return
            }
            switch classify(line.bytes) {
            case .event: events += 1
            case .ignored: ignored += 1
            case .unparseable: unparseable += 1
            }
        }) != nil {}
        let elapsed = clock.now - started
        return LogParseThroughput(
            bytes: reader.bytesRead, lines: reader.linesRead, events: events, ignored: ignored,
            unparseable: unparseable, elapsedSeconds: elapsed.seconds)
    }
}
