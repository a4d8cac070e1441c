import AsyncHTTPClient
import Foundation
import Synchronization

/// `tls.server_name`: connect to the address in the URL, but send `server_name` as SNI and check the
/// server's certificate against it (endpoints by IP, certificates issued for `pd0`).
///
/// AsyncHTTPClient takes the SNI and the verified name from the URL's host and has no per-request
/// override; its one mechanism is the client's `dnsOverride` (host → address to connect to). So the
/// request's URL names `server_name`, its `Host` header keeps the address it was sent to, and it runs on a
/// client whose `dnsOverride` maps `server_name` to that address: one client per (name, address) pair,
/// since one name may be served at several addresses (every member of a cluster). The clients live as long
/// as the process, like ``OperatorHTTPClient/shared``; a cluster has a bounded number of addresses.
enum ServerNameRoute {
    private static let clients = Mutex<[String: HTTPClient]>([:])

    /// Points `request` at `serverName` and returns the client that connects it to the URL's host, or nil
    /// when the URL's host already is `serverName` (nothing to do) or the URL cannot be read.
    static func apply(serverName: String, to request: inout HTTPClientRequest) -> HTTPClient? {
        guard var components = URLComponents(string: request.url), var host = components.host, !host.isEmpty else { return nil }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard host.lowercased() != serverName.lowercased() else { return nil }
        let authority = components.port.map { "\(Self.bracketed(host)):\($0)" } ?? Self.bracketed(host)
        components.host = serverName.lowercased()
        guard let url = components.string else { return nil }
        request.url = url
        // The server sees the address it was asked at, as without server_name (Go's ServerName does the same).
        if request.headers["host"].isEmpty { request.headers.replaceOrAdd(name: "Host", value: authority) }
        return client(serverName: serverName.lowercased(), address: host)
    }

    private static func client(serverName: String, address: String) -> HTTPClient {
        clients.withLock { clients in
            let key = "\(serverName) \(address)"
            if let existing = clients[key] { return existing }
            let made = HTTPClient(
                eventLoopGroup: HTTPClient.defaultEventLoopGroup,
                configuration: OperatorHTTPClient.configuration(dnsOverride: [serverName: address]))
            clients[key] = made
            return made
        }
    }

    private static func bracketed(_ host: String) -> String { host.contains(":") ? "[\(host)]" : host }
}
