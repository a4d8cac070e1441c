import AsyncHTTPClient
import OperatorHTTP
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import PrometheusClient
import Synchronization

/// Reads PD's HTTP API from one of several PD members, with a timeout on every request.
///
/// Failover: a request goes first to the member that answered last; on a transport error or a 5xx it moves
/// on to the next. Any member can serve every read (followers forward to the leader, tikv-interfaces.md
/// §1.0), and HTTP redirects are followed by AsyncHTTPClient. Client URLs learned from `/members` join the
/// list, so losing the one configured member does not blind the client.
public final class PDClient: Sendable {
    public let timeout: Duration
    /// The largest body any route may answer with (routes can set a tighter one).
    public let maxBodyBytes: Int

    /// 16 MiB. PD's biggest routine answer is `/stores`, about 1–2 MB for 500 stores (tikv-at-scale.md §0),
    /// the largest clusters on record; 16 MiB is about 8× that. A larger body is refused as it arrives
    /// rather than held and decoded.
    public static let defaultMaxBodyBytes = 16 << 20
    private let httpClient: HTTPClient
    private let logger: Logger
    private let state: Mutex<State>

    private struct State {
        var endpoints: [String]
        var preferred = 0
    }

    /// `endpoints` are PD client URLs; a missing scheme means `http://` (`pd1:2379` as TiKV's flags write it).
    public init(
        endpoints: [String], timeout: Duration = .seconds(3), maxBodyBytes: Int = defaultMaxBodyBytes,
        httpClient: HTTPClient = OperatorHTTPClient.shared, logger: Logger = Logger(label: "operator.tikv.pd")
    ) {
        var unique: [String] = []
        for e in endpoints.map(Self.normalize) where !e.isEmpty && !unique.contains(e) { unique.append(e) }
        self.timeout = timeout
        self.maxBodyBytes = maxBodyBytes
        self.httpClient = httpClient
        self.logger = logger
        self.state = Mutex(State(endpoints: unique))
    }

    /// Endpoints in the order the next request will try them.
    public var endpoints: [String] {
        state.withLock { s in
            guard !s.endpoints.isEmpty else { return [] }
            return (0..<s.endpoints.count).map { s.endpoints[(s.preferred + $0) % s.endpoints.count] }
        }
    }

    /// The endpoint that answered last.
    public var currentEndpoint: String? { endpoints.first }

    /// Adds client URLs PD advertised (`/members`), after the configured ones.
    public func learn(clientURLs: [String]) {
        state.withLock { s in
            for url in clientURLs.map(Self.normalize) where !url.isEmpty && !s.endpoints.contains(url) {
                s.endpoints.append(url)
            }
        }
    }

    /// GETs one route, trying PD members in turn. Throws the last ``PDClientError``, listing earlier attempts.
    public func get<T>(_ endpoint: PDEndpoint<T>) async throws(PDClientError) -> T {
        try await withFailover(path: endpoint.path) { base throws(PDClientError) in try await get(endpoint, from: base) }
    }

    /// The number of regions in a checker state, from the first bytes of `/regions/check/<state>`: the body
    /// starts with `count`, so the connection is closed once it is read instead of receiving the region
    /// list (tens of MB for one down store in a large cluster, tikv-at-scale.md §0). A body that does not
    /// start with `count` is decoded whole, up to ``regionCheckPrefixCap`` bytes.
    public func regionCheckCount(_ check: PDRegionCheck) async throws(PDClientError) -> Int {
        let path = PDAPI.regionsCheckCount(check).path
        return try await withFailover(path: path) { base throws(PDClientError) in
            try await regionCheckCount(path: path, from: base)
        }
    }

    /// The most a tick reads of one `/regions/check/<state>` answer before giving up on finding its count.
    public static let regionCheckPrefixCap = 256 << 10

    private func regionCheckCount(path: String, from base: String) async throws(PDClientError) -> Int {
        let url = Self.normalize(base) + path
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        request.headers.add(name: "Accept", value: "application/json")
        let read: HTTPFetchPrefix
        do {
            read = try await OperatorHTTPClient.fetchPrefix(
                request, deadline: timeout, maxBodyBytes: Self.regionCheckPrefixCap, client: httpClient,
                until: { LeadingCount.read($0).isSettled })
        } catch {
            if case .bodyTooLarge = error.kind {
                throw PDClientError(
                    endpoint: path, url: url, httpStatus: nil,
                    kind: .tooLarge(
                        "the body does not start with \"count\" and runs past \(Self.regionCheckPrefixCap) bytes; "
                            + "PD writes {\"count\":N,...}: check that \(base) is a PD server"))
            }
            throw PDClientError(endpoint: path, url: url, httpStatus: nil, kind: .unreachable(error.reason))
        }
        if (200..<300).contains(read.status), case .count(let n) = LeadingCount.read(read.body) { return n }
        if (200..<300).contains(read.status), case .malformed(let why) = LeadingCount.read(read.body) {
            throw PDClientError(endpoint: path, url: url, httpStatus: read.status, kind: .malformed(field: "count", reason: why))
        }
        // An error status, or a body with another key first: the decoder names what is wrong.
        let body = Data(buffer: read.body, byteTransferStrategy: .noCopy)
        return try PDResponseDecoder.decode(PDRegionsCount.self, status: read.status, body: body, endpoint: path, url: url).count
    }

    /// Runs `attempt` against each PD member in turn until one answers; remembers the one that did.
    private func withFailover<T>(
        path: String, _ attempt: (String) async throws(PDClientError) -> T
    ) async throws(PDClientError) -> T {
        let order = endpoints
        guard !order.isEmpty else {
            throw PDClientError(
                endpoint: path, url: "(none)", httpStatus: nil,
                kind: .unreachable("no PD endpoints configured; pass --endpoints or set PD_ENDPOINT"))
        }
        var failures: [PDClientError] = []
        for base in order {
            do {
                let value = try await attempt(base)
                state.withLock { s in s.preferred = s.endpoints.firstIndex(of: base) ?? s.preferred }
                return value
            } catch {
                guard error.worthTryingAnotherEndpoint else {
                    var e = error
                    e.otherAttempts = failures.map { "\($0.url): \($0.cause)" }
                    throw e
                }
                logger.debug("PD endpoint failed, trying the next", metadata: ["error": "\(error)"])
                failures.append(error)
            }
        }
        var last = failures.removeLast()
        last.otherAttempts = failures.map { "\($0.url): \($0.cause)" }
        throw last
    }

    /// GETs one route from one PD member, without failover.
    public func get<T>(_ endpoint: PDEndpoint<T>, from base: String) async throws(PDClientError) -> T {
        let url = Self.normalize(base) + endpoint.path
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        request.headers.add(name: "Accept", value: "application/json")
        let response: HTTPFetchResponse
        do {
            response = try await OperatorHTTPClient.fetch(
                request, deadline: timeout, maxBodyBytes: endpoint.maxBodyBytes ?? maxBodyBytes, client: httpClient)
        } catch {
            if case .bodyTooLarge = error.kind {
                throw PDClientError(endpoint: endpoint.path, url: url, httpStatus: nil, kind: .tooLarge(error.reason))
            }
            throw PDClientError(endpoint: endpoint.path, url: url, httpStatus: nil, kind: .unreachable(error.reason))
        }
        // No copy: the decoder reads the received bytes where they are.
        let body = Data(buffer: response.body, byteTransferStrategy: .noCopy)
        return try PDResponseDecoder.decode(T.self, status: response.status, body: body, endpoint: endpoint.path, url: url)
    }

    static func normalize(_ endpoint: String) -> String {
        var s = endpoint.trimmingCharacters(in: .whitespaces)
        guard !s.isEmpty else { return "" }
        if !s.contains("://") { s = "http://" + s }
        while s.hasSuffix("/") { s.removeLast() }
        return s
    }
}

extension Duration {
    var secondsDouble: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
