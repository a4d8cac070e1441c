import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Loopback TCP ports: is one free, and where is a free run of them.
public enum LocalPorts {
    /// Whether a server could listen on 127.0.0.1:`port` right now. Binds with SO_REUSEADDR, as Go and
    /// most servers do, so a port held only by TIME_WAIT connections counts as free.
    public static func isFree(_ port: Int) -> Bool {
        guard (1...65535).contains(port) else { return false }
        guard let fd = boundSocket(port: port) else { return false }
        close(fd)
        return true
    }

    /// A port the OS picked as free (bind to port 0), released before returning.
    public static func ephemeral() -> Int? {
        guard let fd = boundSocket(port: 0) else { return nil }
        defer { close(fd) }
        return boundPort(fd)
    }

    /// The first port of `count` consecutive free ports, found by asking the OS for a free port and
    /// checking its successors. Used by tests and by deployments given no base port. The ports are free
    /// when checked; a busy machine can take one before the caller binds it, so callers still check.
    public static func freeBlock(count: Int, attempts: Int = 50) -> Int? {
        guard count > 0 else { return nil }
        for _ in 0..<attempts {
            // Ask the OS for one free port, then probe its neighbours while holding every socket, so the
            // block cannot be handed out twice by this check.
            guard let first = ephemeral(), first + count - 1 <= 65535 else { continue }
            var held: [Int32] = []
            defer { held.forEach { close($0) } }
            var ok = true
            for port in first..<(first + count) {
                guard let fd = boundSocket(port: port) else {
                    ok = false
                    break
                }
                held.append(fd)
            }
            if ok { return first }
        }
        return nil
    }

    /// A listening socket on 127.0.0.1:`port`, or `nil` when the port is taken.
    private static func boundSocket(port: Int) -> Int32? {
        #if canImport(Darwin)
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #else
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #endif
        guard fd >= 0 else { return nil }
        var yes: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        // listen() as well: on Linux a port can be bindable yet refuse a second listener.
        guard bound == 0, listen(fd, 1) == 0 else {
            close(fd)
            return nil
        }
        return fd
    }

    private static func boundPort(_ fd: Int32) -> Int? {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let result = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard result == 0 else { return nil }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
