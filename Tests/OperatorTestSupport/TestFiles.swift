import Foundation

/// A fresh temporary directory, removed by `remove()`.
public struct TemporaryDirectory: Sendable {
    public let url: URL
    public var path: String { url.path }

    public init(prefix: String = "operator-test") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public func file(_ name: String) -> String { url.appendingPathComponent(name).path }

    public func remove() { try? FileManager.default.removeItem(at: url) }
}

/// Ports the OS considers free right now (bound to 127.0.0.1:0 and released). Another process could
/// take one before it is used; callers that start servers on them should retry on a bind error.
public enum FreePorts {
    public static func take(_ count: Int) throws -> [Int] {
        var sockets: [Int32] = []
        defer { for s in sockets { close(s) } }
        var ports: [Int] = []
        for _ in 0..<count {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw POSIXError(.EMFILE) }
            sockets.append(fd)
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = 0
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            let ok = withUnsafeMutablePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
            }
            guard ok else { throw POSIXError(.EADDRINUSE) }
            ports.append(Int(UInt16(bigEndian: addr.sin_port)))
        }
        return ports
    }
}

/// Where the package's source tree is, for tests that read fixtures or run the built binary.
public enum PackagePaths {
    public static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }()

    /// The directory holding the test bundle, where `swift build` also put the `operator` executable.
    public static var buildProducts: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    }
}

/// A port on 127.0.0.1 that refuses connections for the rest of the test process: bound and kept bound,
/// never listening. A port bound and released (`FreePorts`) is not dead: a cluster another suite starts
/// at the same moment can take it and answer (seen in CI: a "dead" member's URL served a real etcd).
/// Dead ports come from 20000–29999, below the kernel's ephemeral range that `FreePorts` (port 0) draws
/// from, so holding one never takes a port another test was just handed for a server.
public func closedLocalPort() throws -> Int {
    try closedLocalPorts(1)[0]
}

/// `count` ports that refuse connections for the rest of the test process (see `closedLocalPort`).
public func closedLocalPorts(_ count: Int) throws -> [Int] {
    var ports: [Int] = []
    var attempts = 0
    while ports.count < count {
        attempts += 1
        guard attempts <= 1000 else { throw POSIXError(.EADDRINUSE) }
        let candidate = Int.random(in: 20000..<30000)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(candidate).bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 }
        }
        guard ok else {
            close(fd)
            continue  // taken: try another
        }
        // Deliberately never closed: the descriptor holds the port until the test process exits.
        ports.append(candidate)
    }
    return ports
}

/// A test fixture (server, process) could not be set up.
public struct TestServerError: Error, CustomStringConvertible {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
