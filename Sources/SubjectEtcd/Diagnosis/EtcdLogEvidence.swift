import Foundation
import OperatorCore

/// Recent events from the etcd log files named in the settings, parsed by ``EtcdLogParser``. Only the end
/// of each file is read (logs grow without bound); events outside the incident window are dropped.
enum EtcdLogEvidence {
    static let tailBytes = 512 * 1024
    static let maxEvents = 60

    static func events(files: [String], snapshot: EtcdSnapshot, window: DateInterval) -> ([LogEvent], [String]) {
        guard !files.isEmpty else {
            return ([], ["no etcd log files configured (log_files in the etcd settings); log events not gathered"])
        }
        let names = Dictionary(snapshot.members.map { ($0.id.hex, $0.displayName) }) { a, _ in a }
        let parser = EtcdLogParser(memberNames: names)
        var events: [LogEvent] = []
        var notes: [String] = []
        for file in files {
            guard let text = tail(of: file) else {
                notes.append("log file \(file) could not be read")
                continue
            }
            var unparseable = 0
            for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
                switch parser.parse(line: line) {
                case .event(var event):
                    if let t = event.time, t < window.start || t > window.end { continue }
                    event.source = event.source ?? "\(file) (tail line \(index + 1))"
                    events.append(event)
                case .ignored: continue
                case .unparseable: unparseable += 1
                }
            }
            if unparseable > 0 { notes.append("\(unparseable) line(s) of \(file) are not etcd log lines") }
        }
        events.sort { ($0.time ?? .distantPast) < ($1.time ?? .distantPast) }
        if events.count > maxEvents {
            notes.append("kept the last \(maxEvents) of \(events.count) log events")
            events = Array(events.suffix(maxEvents))
        }
        return (events, notes)
    }

    private static func tail(of path: String) -> Substring? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let size = try? handle.seekToEnd() else { return nil }
        let tail = UInt64(clamping: tailBytes)
        let start = size > tail ? size - tail : 0
        guard (try? handle.seek(toOffset: start)) != nil, let data = try? handle.readToEnd() else { return nil }
        var text = Substring(String(decoding: data, as: UTF8.self))
        if start > 0, let newline = text.firstIndex(of: "\n") { text = text[text.index(after: newline)...] }
        return text
    }
}
