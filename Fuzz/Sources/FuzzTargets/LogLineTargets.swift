import Foundation
import OperatorCore
import SubjectEtcd
import SubjectTiKV

/// Cluster log lines through the subjects' parsers, one line per input line, as `operator logs parse` and
/// evidence gathering read files. A parsed event is encoded as the program would write it.
public enum TiKVLogLineTarget {
    static let parser = TiKVLogParser()

    public static func run(_ input: Data) {
        LogLines.each(input) { line in LogLines.consume(parser.parse(line: line)) }
        // The raw bytes (not necessarily UTF-8) through both byte entry points: the fast scan must find
        // exactly the full parse's events and call a line unparseable only when the full parse does.
        LogLines.eachBytes(input) { bytes in
            let full = parser.parse(lineBytes: bytes)
            let fast = parser.scan(lineBytes: bytes)
            switch full {
            case .event: precondition(fast == full, "scan and parse disagree on an event line")
            case .unparseable: precondition(fast == full || fast == .ignored, "scan and parse disagree on a bad line")
            case .ignored: precondition(fast == .ignored, "scan found an event where parse found none")
            }
            // The summary scan (`operator bench logs`) is the scan's result in short, on every line.
            precondition(parser.summarize(lineBytes: bytes) == TiKVLogScanResult(fast), "summary and scan disagree")
            LogLines.consume(fast)
        }
    }
}

public enum EtcdLogLineTarget {
    // A member-name map and a non-zero capnslog offset exercise the paths `logs parse` takes with a config.
    static let parser = EtcdLogParser(memberNames: ["8e9e05c52164694d": "e1"], capnslogUTCOffsetSeconds: 3600)

    public static func run(_ input: Data) {
        LogLines.each(input) { line in LogLines.consume(parser.parse(line: line)) }
    }
}

enum LogLines {
    static func each(_ input: Data, _ body: (Substring) -> Void) {
        let text = String(decoding: input, as: UTF8.self)
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).prefix(256) { body(line) }
    }

    /// The input's lines as raw bytes, as `LineReader` hands them to `parse(lineBytes:)`.
    static func eachBytes(_ input: Data, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        let bytes = [UInt8](input)
        bytes.withUnsafeBufferPointer { all in
            var start = 0
            var lines = 0
            while start <= all.count, lines < 256 {
                let end = all[start...].firstIndex(of: 0x0A) ?? all.count
                body(UnsafeBufferPointer(rebasing: all[start..<end]))
                lines += 1
                start = end + 1
            }
        }
    }

    static func consume(_ result: LogLineResult) {
        switch result {
        case .event(let event): _ = try? JSONEncoder.operatorEncoder.encode(event)
        case .ignored: break
        case .unparseable(let reason): _ = reason.count
        }
    }
}
