import AsyncHTTPClient
import Foundation
import Glibc
import NIOCore
import Testing
@testable import TiKVSimulator

/// Starts a simulator on OS-chosen ports, runs the test body, and stops it (closing every port)
/// whether the body passes or throws. PD time is frozen unless `frozenClock` is false: it moves
/// only by `advanceClock`, so what a test sees does not depend on how busy the machine is.
func withSimulator<T>(
    _ configuration: TiKVSimulatorConfiguration = TiKVSimulatorConfiguration(),
    frozenClock: Bool = true,
    _ body: (TiKVSimulator, TiKVSimulatorEndpoints) async throws -> T
) async throws -> T {
    var configuration = configuration
    configuration.port = 0
    if frozenClock { configuration.timeScale = 0 }
    let simulator = TiKVSimulator(configuration: configuration)
    let endpoints = try await simulator.start()
    do {
        let result = try await body(simulator, endpoints)
        await simulator.stop()
        return result
    } catch {
        await simulator.stop()
        throw error
    }
}

struct HTTPReply {
    var status: Int
    var headers: [(String, String)]
    var body: Data

    var text: String { String(decoding: body, as: UTF8.self) }

    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    func json() throws -> Any {
        try JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed])
    }

    func object() throws -> [String: Any] {
        try #require(try json() as? [String: Any], "body is not a JSON object: \(text.prefix(200))")
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: body)
    }
}

enum TestHTTPError: Error, CustomStringConvertible {
    case failed(url: String, underlying: String)
    var description: String {
        switch self {
        case .failed(let url, let underlying): return "GET \(url) failed: \(underlying)"
        }
    }
}

/// A plain GET with a timeout, as any PD or Prometheus client would do it.
func httpGet(_ url: String, headers: [(String, String)] = []) async throws -> HTTPReply {
    var request = HTTPClientRequest(url: url)
    for (name, value) in headers { request.headers.add(name: name, value: value) }
    do {
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 512 * 1024 * 1024)
        return HTTPReply(
            status: Int(response.status.code),
            headers: response.headers.map { ($0.name, $0.value) },
            body: Data(body.readableBytesView))
    } catch {
        throw TestHTTPError.failed(url: url, underlying: String(describing: error))
    }
}

/// Whether the URL's port refuses TCP connections (a killed store's must). A raw `connect(2)`,
/// because an HTTP client's pool retries refused connections until its deadline.
func refusesConnections(_ url: String) -> Bool {
    guard let port = URLComponents(string: url)?.port else { return false }
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socket >= 0 else { return false }
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port)).bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let result = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    return result != 0 && errno == ECONNREFUSED
}

extension TiKVSimulatorEndpoints {
    var pd: String { pdURLs[0] }

    func statusURL(ofStore id: UInt64) throws -> String {
        try #require(stores.first { $0.id == id }?.statusURL)
    }
}

/// `/pd/api/v1/stores` as `[id: (store, status)]` dictionaries.
func storesByID(_ pd: String) async throws -> [UInt64: (store: [String: Any], status: [String: Any])] {
    let body = try await httpGet(pd + "/pd/api/v1/stores").object()
    let stores = try #require(body["stores"] as? [[String: Any]])
    var result: [UInt64: (store: [String: Any], status: [String: Any])] = [:]
    for entry in stores {
        let store = try #require(entry["store"] as? [String: Any])
        let status = try #require(entry["status"] as? [String: Any])
        let id = try #require((store["id"] as? NSNumber)?.uint64Value)
        result[id] = (store, status)
    }
    return result
}

func regionCheckCount(_ pd: String, _ state: String) async throws -> Int {
    let body = try await httpGet(pd + "/pd/api/v1/regions/check/" + state).object()
    return try #require(body["count"] as? Int)
}

/// Parses a byte size as PD writes it (`"311.7GiB"`, `"0B"`) back into bytes.
func parseByteSize(_ text: String) throws -> Double {
    let units: [(String, Double)] = [("KiB", 1024), ("MiB", 1_048_576), ("GiB", 1_073_741_824), ("TiB", 1_099_511_627_776), ("B", 1)]
    for (unit, factor) in units where text.hasSuffix(unit) {
        let number = try #require(Double(text.dropLast(unit.count)), "not a byte size: \(text)")
        return number * factor
    }
    Issue.record("not a byte size: \(text)")
    return .nan
}
