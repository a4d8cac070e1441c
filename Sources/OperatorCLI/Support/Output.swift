import Foundation
import OperatorCore

/// Everything the CLI writes: results to stdout, diagnostics to stderr.
enum Output {
    static func json(_ value: some Encodable) throws {
        let data = try JSONEncoder.operatorPrettyEncoder.encode(value)
        FileHandle.standardOutput.write(data)
        FileHandle.standardOutput.write(Data("\n".utf8))
    }

    /// One compact JSON object per line (streams).
    static func jsonLine(_ value: some Encodable) throws {
        var data = try JSONEncoder.operatorEncoder.encode(value)
        data.append(0x0A)
        FileHandle.standardOutput.write(data)
    }

    static func line(_ text: String = "") {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func error(_ text: String) {
        let message = text.hasPrefix("error:") || text.hasPrefix("Error:") || text.hasPrefix("Usage:") ? text : "error: \(text)"
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    static func note(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
