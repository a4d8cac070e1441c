import Foundation
import Testing

/// The class of bug behind issue 12's hang: a client calling AsyncHTTPClient's `execute` and then reading
/// the body itself, outside any deadline. Every request goes through `OperatorHTTPClient.fetch`; this
/// keeps it that way.
@Suite struct OnlyFetchTests {
    @Test func noSourceOutsideOperatorHTTPExecutesRequestsOrCollectsResponseBodies() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources")
        let files = try #require(FileManager.default.enumerator(atPath: sources.path)).compactMap { $0 as? String }
            .filter { $0.hasSuffix(".swift") && !$0.hasPrefix("OperatorHTTP/") }
        #expect(files.count > 100, "found the sources at \(sources.path)")
        // `execute(` on an HTTP client (the database's `db.execute` is fine), and reading a response body by hand.
        let pattern = try Regex(#"(?i)(http\w*|client|shared)\s*\.\s*execute\s*\(|response\.body\.collect\(|HTTPClientResponse\b"#)
        for file in files {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                #expect(
                    line.firstMatch(of: pattern) == nil,
                    "Sources/\(file):\(number + 1) talks HTTP without OperatorHTTPClient.fetch (no total deadline): \(line)")
            }
        }
    }
}
