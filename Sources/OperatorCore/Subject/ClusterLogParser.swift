/// Reads a subject's log lines into events. Lines are untrusted cluster text: a parser never throws on
/// them, it classifies them.
public protocol ClusterLogParser: Sendable {
    /// Parses one line (without its newline).
    func parse(line: Substring) -> LogLineResult

    /// Parses one line given as the bytes read (without its newline), which may not be UTF-8. The result
    /// is the same as `parse(line:)` on the bytes decoded with U+FFFD for bad bytes (as `LineReader`
    /// decodes them); a parser that reads bytes can skip building text for lines it ignores.
    func parse(lineBytes: UnsafeBufferPointer<UInt8>) -> LogLineResult
}

extension ClusterLogParser {
    public func parse(lineBytes: UnsafeBufferPointer<UInt8>) -> LogLineResult {
        parse(line: Substring(String(decoding: lineBytes, as: UTF8.self)))
    }
}

public enum LogLineResult: Sendable, Equatable {
    /// A line in the subject's format that the event catalogue recognises.
    case event(LogEvent)
    /// A well-formed line of no diagnostic interest.
    case ignored
    /// Not in any format the parser knows; counted and reported, never fatal.
    case unparseable(reason: String)
}
