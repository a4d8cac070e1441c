import Foundation
import OperatorCore
import Synchronization

/// Everything the CLI writes: results to stdout, diagnostics to stderr.
///
/// Written with write(2), not FileHandle.write, which traps when the reader has gone away (EPIPE:
/// `operator check --json | head -c1`). A closed pipe ends the program the way it ends `yes | head`:
/// by SIGPIPE, quietly, status 141 in a shell.
enum Output {
    static func json(_ value: some Encodable) throws {
        var data = try JSONEncoder.operatorPrettyEncoder.encode(value)
        data.append(0x0A)
        write(data, to: STDOUT_FILENO)
    }

    /// One compact JSON object per line (streams).
    static func jsonLine(_ value: some Encodable) throws {
        var data = try JSONEncoder.operatorEncoder.encode(value)
        data.append(0x0A)
        write(data, to: STDOUT_FILENO)
    }

    static func line(_ text: String = "") {
        write(Data((text + "\n").utf8), to: STDOUT_FILENO)
    }

    /// Text exactly as given (no newline added).
    static func text(_ text: String) {
        write(Data(text.utf8), to: STDOUT_FILENO)
    }

    static func error(_ text: String) {
        let message = text.hasPrefix("error:") || text.hasPrefix("Error:") || text.hasPrefix("Usage:") ? text : "error: \(text)"
        write(Data((message + "\n").utf8), to: STDERR_FILENO)
    }

    static func note(_ text: String) {
        write(Data((text + "\n").utf8), to: STDERR_FILENO)
    }

    /// Writes all of `data`, retrying interrupted and partial writes. A reader that went away ends the
    /// program by SIGPIPE; any other failure (a full disk behind a redirect) drops the output, since
    /// there is nowhere left to report it.
    static func write(_ data: Data, to descriptor: Int32) {
        data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            guard var next = buffer.baseAddress else { return }
            var remaining = buffer.count
            while remaining > 0 {
                #if canImport(Glibc)
                    let written = Glibc.write(descriptor, next, remaining)
                #else
                    let written = Darwin.write(descriptor, next, remaining)
                #endif
                if written > 0 {
                    next += written
                    remaining -= written
                } else if written < 0 && errno == EINTR {
                    continue
                } else if written < 0 && errno == EPIPE {
                    exitForClosedPipe()
                } else {
                    return
                }
            }
        }
    }

    private static let stdioLines = Atomic<Int>(0)

    /// For commands that print through stdio (buffered, for throughput): every 256 lines, flushes and
    /// stops once stdout's reader has gone away, instead of reading the rest of the input for nobody.
    static func stopIfStdoutClosed() {
        guard stdioLines.add(1, ordering: .relaxed).newValue % 256 == 0 else { return }
        if fflush(nil) != 0 && errno == EPIPE { exitForClosedPipe() }
    }

    /// Dies of SIGPIPE, the conventional end for a writer whose reader left (the shell reports 141).
    /// SIGPIPE is ignored in this process (the write above saw EPIPE instead), so restore the default first.
    static func exitForClosedPipe() -> Never {
        signal(SIGPIPE, SIG_DFL)
        raise(SIGPIPE)
        _exit(128 + SIGPIPE)
    }
}
