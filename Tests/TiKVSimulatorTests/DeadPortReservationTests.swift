import Foundation
import Testing
@testable import TiKVSimulator

#if canImport(Glibc)
import Glibc
#endif

/// A killed store's status port refuses connections and stays its own until the store starts again: no
/// other server of the same process (a test run binds hundreds on port 0) may be handed it, or that server
/// answers the dead store's probes and the store looks alive. CI once diagnosed a store-down as a network
/// partition for exactly that reason.
@Suite("TiKV simulator: a dead node's port is held")
struct DeadPortReservationTests {
    @Test func aKilledStoresPortRefusesConnectionsCannotBeTakenAndReopensOnLift() async throws {
        try await withSimulator { simulator, endpoints in
            let status = try #require(endpoints.stores.first { $0.id == 2 }.flatMap { URL(string: $0.statusURL) })
            let port = try #require(status.port)
            #expect(Self.connect(port: port) == 0, "the live store's port accepts connections")

            try await simulator.inject(.storeDown, entity: "store:2")
            #expect(Self.connect(port: port) == ECONNREFUSED, "a dead store's port refuses, as a killed tikv-server's does")
            #expect(Self.bindWithoutReuse(port: port) == EADDRINUSE, "the dead store's port is still reserved")

            try await simulator.lift(.storeDown, entity: "store:2")
            #expect(Self.connect(port: port) == 0, "the restarted store listens on its old port again")
        }
    }

    @Test func aKilledPDLeadersPortIsHeldToo() async throws {
        try await withSimulator { simulator, _ in
            let fault = try await simulator.inject(.pdLeaderDown, entity: "pd:leader")
            let name = String(fault.entity.dropFirst("pd:".count))
            let url = try #require(await simulator.state().pdMembers.first { $0.name == name }.flatMap { URL(string: $0.clientURL) })
            let port = try #require(url.port)
            #expect(Self.connect(port: port) == ECONNREFUSED)
            #expect(Self.bindWithoutReuse(port: port) == EADDRINUSE)
        }
    }

    /// 0 when a TCP connection to 127.0.0.1:port is accepted, else errno.
    static func connect(port: Int) -> Int32 {
        withSocket { fd in
            var address = loopback(port: port)
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            return result == 0 ? 0 : errno
        }
    }

    /// 0 when 127.0.0.1:port can be bound by a socket that asks for no address reuse, else errno.
    static func bindWithoutReuse(port: Int) -> Int32 {
        withSocket { fd in
            var address = loopback(port: port)
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            return result == 0 ? 0 : errno
        }
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(clamping: port).bigEndian
        address.sin_addr = in_addr(s_addr: inet_addr("127.0.0.1"))
        return address
    }

    private static func withSocket(_ body: (Int32) -> Int32) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return errno }
        defer { close(fd) }
        return body(fd)
    }
}
