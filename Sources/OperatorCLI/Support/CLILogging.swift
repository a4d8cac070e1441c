import Foundation
import Logging
import Synchronization

/// Chooses the logging backend once, at the composition root: swift-log's stderr stream handler.
enum CLILogging {
    private static let bootstrapped = Mutex(false)

    /// `level` from `--log-level`, else OPERATOR_LOG_LEVEL, else `fallback`.
    static func bootstrap(level: String?, fallback: Logger.Level) throws {
        let text = level ?? ProcessInfo.processInfo.environment["OPERATOR_LOG_LEVEL"]
        var resolved = fallback
        if let text {
            guard let parsed = Logger.Level(rawValue: text.lowercased()) else {
                let known = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
                throw CLIFailure("invalid log level \"\(text)\"; use one of \(known)", exitCode: 2)
            }
            resolved = parsed
        }
        let first = bootstrapped.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        let level = resolved
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
