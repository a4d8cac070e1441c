import Foundation
import OperatorTestSupport
import Testing

/// A real llama.cpp server (llama-cpp-python's `llama_cpp.server`) with a small GGUF model, started on a
/// free port when the machine has one: `OPERATOR_LLAMA_PYTHON` names a Python with `llama-cpp-python[server]`
/// installed, `OPERATOR_LLAMA_MODEL` the GGUF file (Gemma 3 270M from PyPI: see Docs/diagnosis.md).
struct LocalModelServer {
    static let pythonVariable = "OPERATOR_LLAMA_PYTHON"
    static let modelVariable = "OPERATOR_LLAMA_MODEL"

    static var python: String? { ProcessInfo.processInfo.environment[pythonVariable].flatMap { $0.isEmpty ? nil : $0 } }
    static var model: String? { ProcessInfo.processInfo.environment[modelVariable].flatMap { $0.isEmpty ? nil : $0 } }
    static var available: Bool {
        guard let python, let model else { return false }
        return FileManager.default.isExecutableFile(atPath: python) && FileManager.default.fileExists(atPath: model)
    }
    static let skipReason: Comment = "no local model server: set OPERATOR_LLAMA_PYTHON (a python with llama-cpp-python[server]) and OPERATOR_LLAMA_MODEL (a GGUF file)"

    let process: Process
    let port: Int
    let logPath: String
    var baseURL: String { "http://127.0.0.1:\(port)/v1" }
    var pid: Int32 { process.processIdentifier }

    /// Starts the server and waits (polling with Task.sleep) until its port accepts connections: uvicorn
    /// binds only after the model is loaded.
    static func start(contextSize: Int, logDirectory: TemporaryDirectory) async throws -> LocalModelServer {
        guard let python, let model else { throw TestServerError(message: skipReason.description) }
        let port = try FreePorts.take(1)[0]
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        // The GGUF has no chat template: Gemma's format is named explicitly.
        p.arguments = ["-m", "llama_cpp.server", "--model", model, "--host", "127.0.0.1", "--port", "\(port)", "--n_ctx", "\(contextSize)",
                       "--model_alias", "gemma3-270m", "--chat_format", "gemma", "--n_threads", "2"]
        let logPath = logDirectory.file("llama-server-\(port).log")
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        p.standardOutput = log
        p.standardError = log
        try p.run()
        let server = LocalModelServer(process: p, port: port, logPath: logPath)
        let start = ContinuousClock.now
        while ContinuousClock.now - start < .seconds(180) {
            guard p.isRunning else { break }
            if accepts(port: port) { return server }
            try await Task.sleep(for: .milliseconds(500))
        }
        server.stop()
        let tail = (try? String(contentsOfFile: logPath, encoding: .utf8)).map { String($0.suffix(2000)) } ?? ""
        throw TestServerError(message: "llama_cpp.server did not come up on port \(port): \(tail)")
    }

    static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    func signal(_ s: Int32) { kill(pid, s) }

    /// Stops the server by its PID (SIGKILL: after SIGTERM it may keep an open request going).
    func stop() {
        guard process.isRunning else { return }
        kill(pid, SIGKILL)
    }
}
