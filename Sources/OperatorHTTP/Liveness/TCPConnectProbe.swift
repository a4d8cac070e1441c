import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What one TCP connect to a node found. Only `refused` says nothing listens: a connect that times out or
/// fails otherwise (no route, a frozen host) proves nothing about the process.
public enum TCPConnectOutcome: Sendable, Equatable {
    case accepted
    case refused(String)
    case inconclusive(String)
}

/// A TCP connect, closed at once: is anything listening on `host:port`?
public enum TCPConnectProbe {
    public static func probe(host: String, port: Int, timeout: Duration) async -> TCPConnectOutcome {
        do {
            let channel = try await connect(host: host, port: port, timeout: timeout)
            try? await channel.close()
            return .accepted
        } catch {
            return classify(error)
        }
    }

    static func connect(host: String, port: Int, timeout: Duration) async throws -> any Channel {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(timeAmount(timeout))
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .connect(host: host, port: port)
            .get()
    }

    /// NIO's time amount for a duration, saturating instead of overflowing.
    static func timeAmount(_ d: Duration) -> TimeAmount {
        let (seconds, attoseconds) = d.components
        guard seconds >= 0 else { return .zero }
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (total, overflow2) = whole.addingReportingOverflow(attoseconds / 1_000_000_000)
        return overflow || overflow2 ? .nanoseconds(.max) : .nanoseconds(total)
    }

    /// Refused when every address tried refused; otherwise inconclusive, naming the error.
    static func classify(_ error: any Error) -> TCPConnectOutcome {
        if let e = error as? NIOConnectionError {
            let refused = !e.connectionErrors.isEmpty && e.connectionErrors.allSatisfy { isRefused($0.error) }
            return refused ? .refused("connection refused") : .inconclusive(String(describing: e))
        }
        return isRefused(error) ? .refused("connection refused") : .inconclusive(String(describing: error))
    }

    static func isRefused(_ error: any Error) -> Bool {
        (error as? IOError)?.errnoCode == ECONNREFUSED
    }
}
