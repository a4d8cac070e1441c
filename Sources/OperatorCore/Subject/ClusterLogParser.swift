/// Reads a subject's log lines into events. Lines are untrusted cluster text: a parser never throws on
/// them, it classifies them.
public protocol ClusterLogParser: Sendable {
    /// Parses one line (without its newline).
    func parse(line: Substring) -> LogLineResult
}

public enum LogLineResult: Sendable, Equatable {
    /// A line in the subject's format that the event catalogue recognises.
    case event(LogEvent)
    /// A well-formed line of no diagnostic interest.
    case ignored
    /// Not in any format the parser knows; counted and reported, never fatal.
    case unparseable(reason: String)
}
