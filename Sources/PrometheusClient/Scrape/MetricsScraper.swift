import AsyncHTTPClient
import OperatorHTTP
import Foundation
import Logging
import NIOCore

/// Reads one `/metrics` URL (Prometheus text format) with a timeout.
public struct MetricsScraper: Sendable {
    public let url: String
    public let timeout: Duration
    public let maxBodyBytes: Int
    /// Parse only these families' samples (`nil`: every sample on the page).
    public let families: MetricFamilyFilter?
    /// Whether the connection goes back to the client's pool for the next scrape. A page read again only
    /// tens of seconds later (a large cluster's stores in turn) is better read on a connection closed after
    /// it: each idle pooled connection holds its buffers (hundreds of KB), and 500 of them are most of a
    /// monitor's memory.
    public let keepAlive: Bool
    private let httpClient: HTTPClient
    private let logger: Logger

    /// `url` is the full address of the page (`http://127.0.0.1:20180/metrics`).
    public init(
        url: String, timeout: Duration = .seconds(3), maxBodyBytes: Int = 64 << 20, families: MetricFamilyFilter? = nil,
        keepAlive: Bool = true, httpClient: HTTPClient = OperatorHTTPClient.shared,
        logger: Logger = Logger(label: "operator.prometheus.scrape")
    ) {
        self.keepAlive = keepAlive
        self.url = url
        self.timeout = timeout
        self.maxBodyBytes = maxBodyBytes
        self.families = families
        self.httpClient = httpClient
        self.logger = logger
    }

    /// Scrapes once. Throws ``MetricsScrapeError`` naming the URL when the page cannot be read or is not in
    /// the text format; lines the parser cannot read are counted in `page.issues`, not thrown.
    public func scrape() async throws -> MetricsScrape {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        // Ask for the text format explicitly: some exporters default to protobuf or OpenMetrics.
        request.headers.add(name: "Accept", value: "text/plain;version=0.0.4;q=1,*/*;q=0.1")
        if !keepAlive { request.headers.add(name: "Connection", value: "close") }
        // The page is parsed as it arrives (`ExpositionBodyReader`): only the kept samples and the first
        // bytes (for error messages) are held, never the page itself.
        let response: HTTPStreamedResponse<ExpositionBodyReader>
        do {
            response = try await OperatorHTTPClient.fetchStreamed(
                request, deadline: timeout, maxBodyBytes: maxBodyBytes, client: httpClient,
                into: ExpositionBodyReader(keeping: families))
        } catch {
            if case .bodyTooLarge = error.kind {
                throw MetricsScrapeError(url: url, reason: .bodyTooLarge(limit: maxBodyBytes), underlying: error.reason)
            }
            throw MetricsScrapeError(url: url, reason: .unreachable, underlying: error.reason)
        }
        var reader = response.reader
        let scrapedAt = Date()
        guard (200..<300).contains(response.status) else {
            throw MetricsScrapeError(url: url, reason: .httpStatus(response.status), underlying: BodyPreview.text(reader.start))
        }
        if BodyPreview.looksLikeHTML(reader.start) {
            throw MetricsScrapeError(url: url, reason: .notExpositionFormat, underlying: BodyPreview.text(reader.start))
        }
        let page = reader.parser.finish()
        if page.samples.isEmpty, let first = page.issues.first {
            throw MetricsScrapeError(url: url, reason: .notExpositionFormat, underlying: first.description)
        }
        if !page.issues.isEmpty {
            logger.debug(
                "metrics page has unreadable lines",
                metadata: ["url": "\(url)", "count": "\(page.issues.count)", "first": "\(page.issues[0])"])
        }
        return MetricsScrape(url: url, scrapedAt: scrapedAt, page: page)
    }
}

/// Parses a metrics page as its body arrives, keeping its first bytes for error messages.
struct ExpositionBodyReader: HTTPBodyReader {
    /// Enough for ``BodyPreview`` (160 characters of up to 4 bytes) and the HTML check.
    static let startBytes = 1024
    var parser: ExpositionStreamParser
    /// The first ``startBytes`` bytes of the body.
    var start = ByteBuffer()

    init(keeping families: MetricFamilyFilter?) {
        parser = ExpositionStreamParser(keeping: families)
    }

    mutating func read(_ part: ByteBuffer) {
        if start.readableBytes < Self.startBytes,
            let head = part.getSlice(at: part.readerIndex, length: min(part.readableBytes, Self.startBytes - start.readableBytes))
        {
            var head = head
            start.writeBuffer(&head)
        }
        parser.feed(part)
    }
}

/// A metrics page that could not be read.
public struct MetricsScrapeError: Error, CustomStringConvertible, Sendable {
    public enum Reason: Sendable, Equatable {
        /// Connection refused, timeout, DNS failure: nothing answered.
        case unreachable
        case httpStatus(Int)
        /// HTML or other text that is not the Prometheus text format.
        case notExpositionFormat
        case bodyTooLarge(limit: Int)
    }

    public let url: String
    public let reason: Reason
    /// The cause in words: the transport error or the start of the body.
    public let underlying: String

    public init(url: String, reason: Reason, underlying: String) {
        self.url = url
        self.reason = reason
        self.underlying = underlying
    }

    public var description: String {
        switch reason {
        case .unreachable:
            return "cannot scrape \(url): \(underlying); check that the process is running and the address is reachable from here"
        case .httpStatus(let code):
            return "cannot scrape \(url): HTTP \(code)\(underlying.isEmpty ? "" : " (\(underlying))"); check the metrics path"
        case .notExpositionFormat:
            return "\(url) did not return the Prometheus text format (\(underlying)); check the URL points at a /metrics endpoint"
        case .bodyTooLarge(let limit):
            return "cannot scrape \(url): page larger than \(limit) bytes (\(underlying))"
        }
    }
}
