import ArgumentParser
import Foundation
import OperatorCore

/// `operator logs …`: work with a subject's own log files.
struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Read a subject's cluster logs.",
        subcommands: [LogsParseCommand.self]
    )
}

/// `operator logs parse FILE --subject S`: streams a log file through the subject's parser and prints
/// the events it recognises, then a summary. Memory stays constant whatever the file's size;
/// unparseable lines are counted and listed, never fatal.
struct LogsParseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse",
        abstract: "Parse a log file into events (elections, snapshots, slow operations, lost peers, …).",
        discussion: """
            Reads FILE line by line in constant memory, so multi-gigabyte logs are fine. Prints each event \
            the subject's catalogue recognises, then a summary: lines read, events by kind, lines ignored \
            (well-formed but of no diagnostic interest) and unparseable lines with the first few line \
            numbers and reasons. Unparseable lines never stop the run. Log text is printed with control \
            characters escaped: it comes from the cluster and is untrusted.
            """
    )

    @Argument(help: ArgumentHelp("The log file to read; - reads standard input.", valueName: "file"))
    var file: String

    @Option(help: "The subject whose log format the file is in (tikv, etcd; see `operator subjects`).")
    var subject: String

    @Flag(help: "Print one JSON object per event, then one {\"summary\": …} object, instead of a table.")
    var json = false

    @Option(
        name: .customLong("kind"),
        help: ArgumentHelp(
            "Show only events of this kind (e.g. became-leader, snapshot-sent, peer-stream-lost); repeat for several. The summary still counts every event.",
            valueName: "kind"))
    var kinds: [String] = []

    @Option(help: "Show only events at this level or above: trace, debug, info, warn, error, fatal.")
    var level: LogLevelThreshold?

    @Option(help: "How many unparseable lines the summary lists with their line numbers and reasons.")
    var showUnparseable = 5

    @Option(help: "Lines longer than this many bytes are cut and counted as unparseable (keeps memory bounded).")
    var maxLineBytes = 1_048_576

    mutating func validate() throws {
        guard showUnparseable >= 0 else { throw ValidationError("--show-unparseable must be 0 or more") }
        guard maxLineBytes >= 64 else { throw ValidationError("--max-line-bytes must be at least 64") }
    }

    func run() throws {
        let registration = try LinkedSubjects.registry.registration(named: subject)
        guard let parser = registration.logParser else {
            let withParsers = LinkedSubjects.registry.registrations.filter { $0.logParser != nil }.map(\.name).sorted()
            throw ValidationError(
                "subject \"\(registration.name)\" has no log parser; subjects with one: "
                    + (withParsers.isEmpty ? "none" : withParsers.joined(separator: ", ")))
        }
        let reader = try LineReader(path: file, maximumLineBytes: maxLineBytes)
        var tally = LogParseTally(keepingUnparseable: showUnparseable)
        let output = LogEventPrinter(json: json)
        let wantedKinds = Set(kinds)
        var headerPrinted = json
        // The parser reads each line's bytes in the reader's buffer; text is built only for what it keeps.
        while let line = try reader.withNextLine({ line in
            ParsedLine(
                number: line.number, byteCount: line.byteCount,
                result: line.isTruncated ? nil : parser.parse(lineBytes: line.bytes))
        }) {
            guard let result = line.result else {
                tally.countUnparseable(
                    line: line.number,
                    reason: "line is \(line.byteCount) bytes, longer than --max-line-bytes \(maxLineBytes); not parsed")
                continue
            }
            switch result {
            case .event(let event):
                tally.countEvent(event)
                guard wantedKinds.isEmpty || wantedKinds.contains(event.kind) else { continue }
                guard level.map({ $0.admits(event.level) }) ?? true else { continue }
                tally.shownEvents += 1
                if !headerPrinted {
                    output.printHeader()
                    headerPrinted = true
                }
                output.print(event, line: line.number)
            case .ignored:
                tally.ignored += 1
            case .unparseable(let reason):
                tally.countUnparseable(line: line.number, reason: reason)
            }
        }
        let summary = LogParseSummary(
            input: reader.inputName, subject: registration.name, lines: reader.linesRead, bytes: reader.bytesRead,
            tally: tally)
        output.print(summary)
    }
}

/// One line's outcome: `result` is `nil` for a line longer than the limit, which is not parsed.
private struct ParsedLine {
    var number: Int
    var byteCount: Int
    var result: LogLineResult?
}

/// `--level`: the lowest level shown.
enum LogLevelThreshold: String, ExpressibleByArgument, CaseIterable {
    case trace, debug, info, warn, error, fatal

    private static let rank: [String: Int] = [
        "trace": 0, "debug": 1, "info": 2, "notice": 2, "warn": 3, "warning": 3, "error": 4, "critical": 5,
        "fatal": 5, "panic": 5,
    ]

    /// Whether an event at `level` is shown. Levels no parser should produce count as `info`.
    func admits(_ level: String) -> Bool {
        (Self.rank[level.lowercased()] ?? 2) >= (Self.rank[rawValue] ?? 0)
    }
}

/// Counts for the summary; bounded whatever the input (kinds come from a fixed catalogue, and only the
/// first few unparseable lines are kept).
struct LogParseTally {
    var eventsByKind: [String: Int] = [:]
    var events = 0
    var shownEvents = 0
    var ignored = 0
    var unparseable = 0
    var firstUnparseable: [UnparseableLine] = []
    let keepingUnparseable: Int

    init(keepingUnparseable: Int) {
        self.keepingUnparseable = keepingUnparseable
    }

    mutating func countEvent(_ event: LogEvent) {
        events += 1
        eventsByKind[event.kind, default: 0] += 1
    }

    mutating func countUnparseable(line: Int, reason: String) {
        unparseable += 1
        if firstUnparseable.count < keepingUnparseable {
            firstUnparseable.append(UnparseableLine(line: line, reason: reason))
        }
    }
}

struct UnparseableLine: Encodable {
    var line: Int
    var reason: String
}

struct LogParseSummary: Encodable {
    var input: String
    var subject: String
    var lines: Int
    var bytes: Int
    var events: Int
    var shownEvents: Int
    var eventsByKind: [String: Int]
    var ignored: Int
    var unparseable: Int
    var firstUnparseable: [UnparseableLine]

    init(input: String, subject: String, lines: Int, bytes: Int, tally: LogParseTally) {
        self.input = input
        self.subject = subject
        self.lines = lines
        self.bytes = bytes
        self.events = tally.events
        self.shownEvents = tally.shownEvents
        self.eventsByKind = tally.eventsByKind
        self.ignored = tally.ignored
        self.unparseable = tally.unparseable
        self.firstUnparseable = tally.firstUnparseable
    }

    enum CodingKeys: String, CodingKey {
        case input, subject, lines, bytes, events
        case shownEvents = "shown_events"
        case eventsByKind = "events_by_kind"
        case ignored, unparseable
        case firstUnparseable = "first_unparseable"
    }
}

/// Writes events and the summary to standard output, as a table or as JSON lines.
struct LogEventPrinter {
    let json: Bool
    private let encoder = JSONEncoder.operatorEncoder

    init(json: Bool) {
        self.json = json
    }

    /// Fields worth a column in the table, in this order; everything else is in `--json`.
    private static let tableFields = [
        "region_id", "store_id", "peer_id", "member_id_hex", "leader_id_hex", "peer_id_hex", "term", "duration_ms",
        "status_code",
    ]
    private static let messageLimit = 160

    func printHeader() {
        Swift.print(row("TIME", "LEVEL", "KIND", "ENTITY", "DETAILS"))
    }

    func print(_ event: LogEvent, line: Int) {
        if json {
            Swift.print(encode(LogEventLine(line: line, event: event)))
            Output.stopIfStdoutClosed()
            return
        }
        let time = event.time.map(Timestamp.format) ?? "-"
        var details = Self.tableFields.compactMap { key in event.fields[key].map { "\(key)=\($0)" } }
        var message = event.message
        if message.count > Self.messageLimit { message = String(message.prefix(Self.messageLimit)) + "…" }
        details.append("\"\(message)\"")
        Swift.print(
            row(time, event.level, event.kind, event.entity?.description ?? "-", details.joined(separator: " ")))
        Output.stopIfStdoutClosed()
    }

    func print(_ summary: LogParseSummary) {
        if json {
            Swift.print("{\"summary\":" + encode(summary) + "}")
            return
        }
        let shown = summary.shownEvents == summary.events ? "" : " (\(summary.shownEvents) shown)"
        var out = "\nRead \(summary.lines) lines (\(summary.bytes) bytes) of \(Terminal.safe(summary.input)) "
        out += "as \(summary.subject) logs.\n"
        out += "Events: \(summary.events)\(shown)\n"
        for (kind, count) in summary.eventsByKind.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }) {
            out += "  " + kind.padding(toLength: max(28, kind.count + 1), withPad: " ", startingAt: 0) + "\(count)\n"
        }
        out += "Ignored: \(summary.ignored) well-formed lines outside the event catalogue\n"
        out += "Unparseable: \(summary.unparseable)"
        if summary.firstUnparseable.isEmpty {
            out += "\n"
        } else {
            let first = summary.firstUnparseable.count < summary.unparseable ? " (first \(summary.firstUnparseable.count))" : ""
            out += "\(first)\n"
            for bad in summary.firstUnparseable {
                out += "  line \(bad.line): \(Terminal.safe(bad.reason))\n"
            }
        }
        Swift.print(out, terminator: "")
    }

    private func row(_ time: String, _ level: String, _ kind: String, _ entity: String, _ details: String) -> String {
        [
            time.padding(toLength: 24, withPad: " ", startingAt: 0),
            Terminal.safe(level).padding(toLength: 5, withPad: " ", startingAt: 0),
            Terminal.safe(kind).padding(toLength: max(24, kind.count), withPad: " ", startingAt: 0),
            Terminal.safe(entity).padding(toLength: max(12, entity.count), withPad: " ", startingAt: 0),
            Terminal.safe(details),
        ].joined(separator: " ")
    }

    private func encode(_ value: some Encodable) -> String {
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            return "{\"error\":\"cannot encode as JSON: \(Terminal.safe(String(describing: error)).replacingOccurrences(of: "\"", with: "'"))\"}"
        }
    }
}

/// One event as `--json` prints it: the event plus the line it came from.
struct LogEventLine: Encodable {
    var line: Int
    var event: LogEvent

    enum CodingKeys: String, CodingKey {
        case line, time, level, kind, entity, message, fields, source
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(line, forKey: .line)
        try c.encodeIfPresent(event.time, forKey: .time)
        try c.encode(event.level, forKey: .level)
        try c.encode(event.kind, forKey: .kind)
        try c.encodeIfPresent(event.entity, forKey: .entity)
        try c.encode(event.message, forKey: .message)
        try c.encode(event.fields, forKey: .fields)
        try c.encodeIfPresent(event.source, forKey: .source)
    }
}

/// Cluster log text is untrusted: before it reaches a terminal, control characters (ANSI escapes
/// included) are shown as `\u{…}` instead of being interpreted.
enum Terminal {
    static func safe(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if isControl(scalar) {
                out.append(contentsOf: "\\u{\(String(scalar.value, radix: 16))}".unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        // C0, DEL, C1, and the bidirectional overrides that can reorder what a terminal shows.
        return v < 0x20 || (0x7F..<0xA0).contains(v) || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
    }
}
