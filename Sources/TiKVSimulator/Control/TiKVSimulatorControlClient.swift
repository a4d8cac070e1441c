import AsyncHTTPClient
import Foundation
import NIOCore
import OperatorHTTP

/// Drives a running simulator through its control endpoint (`operator simulate fault|lift|status`).
public struct TiKVSimulatorControlClient: Sendable {
    public let baseURL: String
    /// Total budget for one control request, body included.
    public var timeout: Duration = .seconds(10)
    private let httpClient: HTTPClient

    /// `baseURL` is the first PD member's URL, e.g. `http://127.0.0.1:2379`.
    public init(baseURL: String, httpClient: HTTPClient = OperatorHTTPClient.shared) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.httpClient = httpClient
    }

    public init(port: Int, httpClient: HTTPClient = OperatorHTTPClient.shared) {
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
        let data: Data
        do {
            let response = try await OperatorHTTPClient.fetch(request, deadline: timeout, maxBodyBytes: 4 << 20, client: httpClient)
            status = response.status
            data = Data(response.body.readableBytesView)
        } catch {
            throw .controlEndpointUnreachable(url: url, reason: error.reason)
        }
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
}
