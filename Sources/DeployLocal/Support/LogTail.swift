import Foundation

/// The last lines of a log file, for error messages about a member that failed.
public enum LogTail {
    /// Up to `lines` last lines of the file at `path`, reading at most `maxBytes` from its end; empty when
    /// the file is missing or empty.
    public static func lastLines(of path: String, lines: Int = 20, maxBytes: Int = 64 * 1024) -> [String] {
        guard lines > 0, let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        guard let size = try? handle.seekToEnd() else { return [] }
        let start = size > UInt64(maxBytes) ? size - UInt64(maxBytes) : 0
        guard (try? handle.seek(toOffset: start)) != nil, let data = try? handle.readToEnd() else { return [] }
        var all = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true)
        if start > 0, !all.isEmpty { all.removeFirst() }  // the first line was cut mid-way
        return all.suffix(lines).map(String.init)
    }

    /// The last lines indented for an error message, or a note that the log is empty.
    public static func excerpt(of path: String, lines: Int = 20) -> String {
        let tail = lastLines(of: path, lines: lines)
        guard !tail.isEmpty else { return "  (log \(path) is empty)" }
        return "last \(tail.count) line(s) of \(path):\n" + tail.map { "  | \($0)" }.joined(separator: "\n")
    }
}
