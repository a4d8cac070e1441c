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

    /// A port the OS picked as free (bind to port 0), released before returning: for a single port nothing
    /// listens on, such as a "dead" endpoint in a test.
    public static func ephemeral() -> Int? {
        guard let fd = boundSocket(port: 0) else { return nil }
        defer { close(fd) }
        return boundPort(fd)
    }

    /// The first port of `count` consecutive free ports, for tests and for deployments given no base port.
    ///
    /// Blocks are picked below the kernel's ephemeral range (`/proc/sys/net/ipv4/ip_local_port_range`),
    /// where outgoing connections — members dialling each other while the block is still being bound —
    /// never take a port. Each port is checked by binding it, all held until the whole block is known free.
    /// A busy machine can still take one before the caller binds it, so callers still check.
    public static func freeBlock(count: Int, attempts: Int = 100) -> Int? {
        guard count > 0 else { return nil }
        let lowest = 10_000
        let ceiling = ephemeralRangeStart() - count
        guard ceiling > lowest else { return nil }
        for _ in 0..<attempts {
            let first = Int.random(in: lowest..<ceiling)
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

    /// The first port the kernel hands out for outgoing connections (Linux default 32768).
    static func ephemeralRangeStart() -> Int {
        #if os(Linux)
        if let text = try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8),
            let first = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).first, let port = Int(first)
        {
            return port
        }
        #endif
        return 32768
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
