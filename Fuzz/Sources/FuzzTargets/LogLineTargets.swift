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

    static func consume(_ result: LogLineResult) {
        switch result {
        case .event(let event): _ = try? JSONEncoder.operatorEncoder.encode(event)
        case .ignored: break
        case .unparseable(let reason): _ = reason.count
        }
    }
}
