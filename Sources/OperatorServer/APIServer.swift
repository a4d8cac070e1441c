import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The HTTP server of `operator serve` as a ServiceLifecycle `Service`: the API routes, plus whatever
/// else the composition root mounts on the same router (the console).
public enum APIServer {
    /// Where the server listens, as `--listen host:port` spells it.
    public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        /// `host:port` (`[::1]:9400` for IPv6); port 0 asks the OS for a free one.
        public static func parse(_ text: String) -> ListenAddress? {
            let host: Substring, portText: Substring
            if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
                host = text[text.index(after: text.startIndex)..<close]
                guard text[close...].hasPrefix("]:") else { return nil }
                portText = text[text.index(close, offsetBy: 2)...]
            } else {
                guard let colon = text.lastIndex(of: ":") else { return nil }
                host = text[..<colon]
                portText = text[text.index(after: colon)...]
            }
            guard !host.isEmpty, let port = Int(portText), (0...65535).contains(port) else { return nil }
            return ListenAddress(host: String(host), port: port)
        }

        /// Only this machine can connect (127.0.0.0/8, ::1, localhost).
        public var isLoopback: Bool {
            host == "localhost" || host == "::1" || host.hasPrefix("127.")
        }

        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    /// `mount` adds more routes (the console) on the same router, behind the same access control.
    public static func application(
        routes: APIRoutes, access: AccessPolicy, listen: ListenAddress, logger: Logger,
        mount: (Router<BasicRequestContext>) -> Void = { _ in },
        onListening: @escaping @Sendable (_ host: String, _ port: Int) async -> Void
    ) -> some Service {
        let router = Router()
        routes.add(to: router, access: access)
        mount(router)
        let host = listen.host
        return Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(host, port: listen.port), serverName: "operator"),
            onServerRunning: { channel in await onListening(host, channel.localAddress?.port ?? listen.port) },
            logger: logger)
    }
}
