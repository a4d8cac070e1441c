import Foundation
import Testing

/// The core knows no subject: adding one must never need an edit there.
@Suite("OperatorCore names no subject")
struct CorePurityTests {
    @Test func noSourceFileMentionsASubject() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/OperatorCore")
        let files = try #require(FileManager.default.enumerator(atPath: root.path)).compactMap { $0 as? String }
            .filter { $0.hasSuffix(".swift") }
        #expect(files.count > 10, "found the core sources at \(root.path)")
        let pattern = try Regex("(?i)tikv|etcd|\\bpd\\b")
        for file in files {
            let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                #expect(line.firstMatch(of: pattern) == nil, "Sources/OperatorCore/\(file):\(number + 1) names a subject: \(line)")
            }
        }
    }
}
