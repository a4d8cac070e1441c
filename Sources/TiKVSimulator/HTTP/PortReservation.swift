#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Holds a dead node's port while its process is "down": a TCP socket bound to the port but not listening.
///
/// Connections to it are refused, exactly as for a killed tikv-server or PD, and the port is kept from the
/// kernel's ephemeral allocation: without it, another server of the same test run that binds port 0 can be
/// handed the freed port, answer the dead store's status probes and make it look alive (CI saw that: a
/// store-down diagnosed as a network partition). Released just before the node's listener opens again.
/// Best effort: when the socket cannot be made, the port is simply closed, as before.
final class PortReservation: Sendable {
    private let descriptors: [Int32]

    init(port: Int) {
        guard (1...65_535).contains(port) else {
            descriptors = []
            return
        }
        descriptors = [Self.bindIPv4(port: UInt16(port)), Self.bindIPv6(port: UInt16(port))].compactMap { $0 }
    }

    deinit {
        for fd in descriptors { _ = close(fd) }
    }

    /// Binds the wildcard address, so every local address of the port is covered. SO_REUSEADDR lets the bind
    /// succeed while the closed listener's connections sit in TIME_WAIT; the kernel still skips a port bound by
    /// any socket when it chooses an ephemeral one for `bind(port: 0)`.
    private static func bindIPv4(port: UInt16) -> Int32? {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr = in_addr(s_addr: INADDR_ANY)
        return bound(family: AF_INET) { fd in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
    }

    private static func bindIPv6(port: UInt16) -> Int32? {
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_port = port.bigEndian
        address.sin6_addr = in6addr_any
        return bound(family: AF_INET6) { fd in
            var only: Int32 = 1  // the IPv4 socket covers IPv4; this one only IPv6
            _ = setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &only, socklen_t(MemoryLayout<Int32>.size))
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        }
    }

    private static func bound(family: Int32, _ bindSocket: (Int32) -> Int32) -> Int32? {
        #if canImport(Glibc)
        let fd = socket(family, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(family, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { return nil }
        var on: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        guard bindSocket(fd) == 0 else {
            _ = close(fd)
            return nil
        }
        return fd
    }
}
