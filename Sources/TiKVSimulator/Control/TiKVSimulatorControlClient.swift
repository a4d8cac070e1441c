import AsyncHTTPClient
import Foundation
import NIOCore

/// Drives a running simulator through its control endpoint (`operator simulate fault|lift|status`).
public struct TiKVSimulatorControlClient: Sendable {
    public let baseURL: String
    public var timeout: TimeAmount = .seconds(10)
    private let httpClient: HTTPClient

    /// `baseURL` is the first PD member's URL, e.g. `http://127.0.0.1:2379`.
    public init(baseURL: String, httpClient: HTTPClient = .shared) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.httpClient = httpClient
    }

    public init(port: Int, httpClient: HTTPClient = .shared) {
        self.init(baseURL: "http://127.0.0.1:\(port)", httpClient: httpClient)
    }

    public func state() async throws(TiKVSimulatorError) -> SimulatorStateReport {
        try await send("GET", "/state", body: Optional<SimulatorLoadRequest>.none)
    }

    public func inject(_ kind: SimulatedFaultKind, entity: String) async throws(TiKVSimulatorError) -> SimulatedFault {
        try await send("POST", "/faults/inject", body: SimulatorFaultRequest(kind: kind.rawValue, entity: entity))
    }

    public func lift(_ kind: SimulatedFaultKind, entity: String) async throws(TiKVSimulatorError) -> SimulatedFault {
        try await send("POST", "/faults/lift", body: SimulatorFaultRequest(kind: kind.rawValue, entity: entity))
    }

    public func setLoad(qps: Double) async throws(TiKVSimulatorError) -> SimulatorStateReport {
        try await send("PUT", "/load", body: SimulatorLoadRequest(qps: qps))
    }

    public func advanceClock(bySeconds seconds: Double) async throws(TiKVSimulatorError) -> SimulatorStateReport {
        try await send("POST", "/clock/advance", body: SimulatorClockRequest(seconds: seconds))
    }

    private func send<Body: Encodable, Answer: Decodable>(
        _ method: String, _ path: String, body: Body?
    ) async throws(TiKVSimulatorError) -> Answer {
        let url = baseURL + SimulatorControl.pathPrefix + path
        var request = HTTPClientRequest(url: url)
        request.method = .init(rawValue: method)
        if let body {
            let data = (try? JSONEncoder().encode(body)) ?? Data()
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: data))
        }
        let status: Int
        let bytes: ByteBuffer
        do {
            let response = try await httpClient.execute(request, timeout: timeout)
            status = Int(response.status.code)
            bytes = try await response.body.collect(upTo: 4 * 1024 * 1024)
        } catch {
            throw .controlEndpointUnreachable(url: url, reason: Self.describe(error))
        }
        let data = Data(bytes.readableBytesView)
        guard (200..<300).contains(status) else {
            if let failure = try? JSONDecoder().decode(SimulatorErrorBody.self, from: data) {
                throw .controlEndpointRejected(url: url, status: status, message: failure.error)
            }
            throw .notASimulator(url: url, status: status)
        }
        do {
            return try JSONDecoder().decode(Answer.self, from: data)
        } catch {
            throw .notASimulator(url: url, status: status)
        }
    }

    private static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        if text.contains("connectTimeout") || text.contains("Connection refused") || text.contains("connectionRefused") {
            return "connection refused"
        }
        if text.contains("deadlineExceeded") || text.contains("readTimeout") {
            return "timed out"
        }
        return text
    }
}
