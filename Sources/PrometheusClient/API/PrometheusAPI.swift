import AsyncHTTPClient
import OperatorHTTP
import Foundation
import Logging
import NIOCore

/// Client for a Prometheus server's HTTP API: `/api/v1/query`, `/api/v1/query_range`, `/api/v1/targets`.
///
/// Every request has a timeout; every failure is a ``PrometheusAPIError`` naming the server, the API path and
/// the query.
public struct PrometheusAPI: Sendable {
    /// Base URL without a trailing slash (`http://127.0.0.1:9090`, or with a path prefix behind a proxy).
    public let baseURL: String
    public let timeout: Duration
    public let maxBodyBytes: Int
    private let httpClient: HTTPClient
    private let logger: Logger

    public init(
        baseURL: String, timeout: Duration = .seconds(5), maxBodyBytes: Int = 32 << 20,
        httpClient: HTTPClient = OperatorHTTPClient.shared, logger: Logger = Logger(label: "operator.prometheus.api")
    ) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.timeout = timeout
        self.maxBodyBytes = maxBodyBytes
        self.httpClient = httpClient
        self.logger = logger
    }

    /// An instant query, evaluated at `time` (the server's now when `nil`).
    public func query(_ promql: String, at time: Date? = nil) async throws -> PrometheusQueryResult {
        var parameters = [("query", promql)]
        if let time { parameters.append(("time", Self.unixSeconds(time))) }
        return try await get(PrometheusQueryResult.self, "/api/v1/query", parameters, query: promql)
    }

    /// An instant query that must return a vector (the common case: `sum(...) by (instance)`).
    public func queryVector(_ promql: String, at time: Date? = nil) async throws -> [PrometheusVectorSample] {
        let result = try await query(promql, at: time)
        switch result {
        case .vector(let samples): return samples
        default:
            throw PrometheusAPIError(
                server: baseURL, endpoint: "/api/v1/query", query: promql, httpStatus: 200,
                kind: .unexpectedResultType(expected: "vector", got: result.resultType))
        }
    }

    /// A range query from `start` to `end` every `step`; returns one series per label set.
    public func queryRange(_ promql: String, start: Date, end: Date, step: Duration) async throws
        -> [PrometheusRangeSeries]
    {
        let stepSeconds = Double(step.components.seconds) + Double(step.components.attoseconds) / 1e18
        let parameters = [
            ("query", promql), ("start", Self.unixSeconds(start)), ("end", Self.unixSeconds(end)),
            ("step", String(format: "%.3f", max(stepSeconds, 0.001))),
        ]
        let result = try await get(PrometheusQueryResult.self, "/api/v1/query_range", parameters, query: promql)
        guard case .matrix(let series) = result else {
            throw PrometheusAPIError(
                server: baseURL, endpoint: "/api/v1/query_range", query: promql, httpStatus: 200,
                kind: .unexpectedResultType(expected: "matrix", got: result.resultType))
        }
        return series
    }

    /// Scrape targets and their health (`up`/`down`, last error).
    public func targets() async throws -> PrometheusTargets {
        try await get(PrometheusTargets.self, "/api/v1/targets", [], query: nil)
    }

    // MARK: - Transport

    private struct Envelope<Data: Decodable>: Decodable {
        var status: String
        var data: Data?
        var errorType: String?
        var error: String?
        var warnings: [String]?
    }

    /// Only the fields every response has, to read error bodies whatever the data type.
    private struct StatusOnly: Decodable {
        var status: String
        var errorType: String?
        var error: String?
    }

    private func get<T: Decodable>(
        _ type: T.Type, _ endpoint: String, _ parameters: [(String, String)], query: String?
    ) async throws -> T {
        func failure(_ status: Int?, _ kind: PrometheusAPIError.Kind) -> PrometheusAPIError {
            PrometheusAPIError(server: baseURL, endpoint: endpoint, query: query, httpStatus: status, kind: kind)
        }
        var url = baseURL + endpoint
        if !parameters.isEmpty {
            url += "?" + parameters.map { "\($0.0)=\(Self.percentEncode($0.1))" }.joined(separator: "&")
        }
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        request.headers.add(name: "Accept", value: "application/json")

        let response: HTTPFetchResponse
        do {
            response = try await OperatorHTTPClient.fetch(request, deadline: timeout, maxBodyBytes: maxBodyBytes, client: httpClient)
        } catch {
            if case .bodyTooLarge = error.kind { throw failure(nil, .malformed(field: "<root>", reason: error.reason)) }
            throw failure(nil, .unreachable(error.reason))
        }
        let body = response.body
        let status = response.status
        guard body.readableBytes > 0 else { throw failure(status, .emptyBody) }
        let data = Data(body.readableBytesView)
        let decoder = JSONDecoder()

        // Error bodies have the same envelope on 400, 422, 503 and (rarely) 200.
        if let envelope = try? decoder.decode(StatusOnly.self, from: data), envelope.status == "error" {
            throw failure(status, .api(errorType: envelope.errorType ?? "unknown", message: envelope.error ?? ""))
        }
        guard (200..<300).contains(status) else {
            if BodyPreview.looksLikeHTML(body) || (try? JSONSerialization.jsonObject(with: data)) == nil {
                throw failure(status, .notJSON(body: BodyPreview.text(body)))
            }
            throw failure(status, .httpStatus(body: BodyPreview.text(body)))
        }
        let envelope: Envelope<T>
        do {
            envelope = try decoder.decode(Envelope<T>.self, from: data)
        } catch let error as DecodingError {
            if case .dataCorrupted(let context) = error, context.codingPath.isEmpty {
                throw failure(status, .notJSON(body: BodyPreview.text(body)))
            }
            let (field, reason) = DecodingErrorText.describe(error)
            throw failure(status, .malformed(field: field, reason: reason))
        }
        guard envelope.status == "success", let result = envelope.data else {
            throw failure(
                status, .malformed(field: "status", reason: "expected \"success\" with data, got \"\(envelope.status)\""))
        }
        if let warnings = envelope.warnings, !warnings.isEmpty {
            logger.warning(
                "Prometheus returned warnings",
                metadata: ["server": "\(baseURL)", "query": "\(query ?? endpoint)", "warnings": "\(warnings)"])
        }
        return result
    }

    static func unixSeconds(_ date: Date) -> String {
        String(format: "%.3f", date.timeIntervalSince1970)
    }

    /// Percent-encodes everything but RFC 3986 unreserved characters. `+` in particular must be encoded:
    /// Go's query parser reads a bare `+` as a space, which would corrupt `a + b` and `"+Inf"`.
    static func percentEncode(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count * 3)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }
}
