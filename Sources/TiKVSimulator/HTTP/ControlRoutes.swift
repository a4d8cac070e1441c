import Foundation
import Hummingbird

/// The simulator's control endpoint, under `/simulator/v1/` on the first PD member's port. It is
/// not part of PD's API; `operator simulate fault|lift|status` and tests use it.
///
/// | method, path | body | answer |
/// |---|---|---|
/// | `GET /simulator/v1/state` | | `SimulatorStateReport` |
/// | `POST /simulator/v1/faults/inject` | `{"kind","entity"}` | the `SimulatedFault` |
/// | `POST /simulator/v1/faults/lift` | `{"kind","entity"}` | the lifted `SimulatedFault` |
/// | `PUT /simulator/v1/load` | `{"qps"}` | state |
/// | `POST /simulator/v1/clock/advance` | `{"seconds"}` | state |
///
/// Errors answer `{"error": "..."}` with 400 (bad request), 404 (unknown entity) or 409 (fault
/// already / not in effect).
struct ControlRoutes: Sendable {
    let simulator: TiKVSimulator

    func register(on router: Router<BasicRequestContext>) {
        let control = router.group("simulator/v1")
        control.get("state") { _, _ in
            await respond { try await simulator.state() }
        }
        control.post("faults/inject") { request, _ in
            await respond {
                let body: SimulatorFaultRequest = try await Self.decode(request)
                return try await simulator.inject(try SimulatedFaultKind.parse(body.kind), entity: body.entity)
            }
        }
        control.post("faults/lift") { request, _ in
            await respond {
                let body: SimulatorFaultRequest = try await Self.decode(request)
                return try await simulator.lift(try SimulatedFaultKind.parse(body.kind), entity: body.entity)
            }
        }
        control.put("load") { request, _ in
            await respond {
                let body: SimulatorLoadRequest = try await Self.decode(request)
                try await simulator.setLoad(qps: body.qps)
                return try await simulator.state()
            }
        }
        control.post("clock/advance") { request, _ in
            await respond {
                let body: SimulatorClockRequest = try await Self.decode(request)
                try await simulator.advanceClock(bySeconds: body.seconds)
                return try await simulator.state()
            }
        }
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func decode<T: Decodable>(_ request: Request) async throws(TiKVSimulatorError) -> T {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: 64 * 1024)
        } catch {
            throw .invalidConfiguration(field: "request body", reason: "could not be read: \(error)")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch {
            throw .invalidConfiguration(field: "request body", reason: "is not the expected JSON \(T.self): \(error)")
        }
    }

    private func respond<T: Encodable & Sendable>(_ action: () async throws -> T) async -> Response {
        do {
            return Self.json(try await action(), status: .ok)
        } catch let error as TiKVSimulatorError {
            return Self.json(SimulatorErrorBody(error: error.description), status: Self.status(for: error))
        } catch {
            return Self.json(SimulatorErrorBody(error: "\(error)"), status: .internalServerError)
        }
    }

    static func status(for error: TiKVSimulatorError) -> HTTPResponse.Status {
        switch error {
        case .unknownStore, .unknownPDMember: return .notFound
        case .faultAlreadyActive, .faultNotActive, .notPDLeader, .controlPortWouldClose: return .conflict
        case .notRunning: return .serviceUnavailable
        case .bindFailed: return .internalServerError
        default: return .badRequest
        }
    }

    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status) -> Response {
        let data = (try? encoder.encode(value)) ?? Data("{\"error\":\"encoding failed\"}".utf8)
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
