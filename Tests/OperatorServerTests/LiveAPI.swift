import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import OperatorCore
import OperatorServer
import OperatorTestSupport
import ServiceLifecycle
import SubjectTiKV
import Synchronization
import Testing
import TiKVSimulator

/// `operator serve`'s parts, in process and over real HTTP: the TiKV simulator with `store-down` on
/// `store:2`, the production `MonitorService` writing a real `SQLiteTicketStore`, and the API server on a
/// port the OS chose. Everything is stopped when the body returns or throws.
struct LiveAPI: Sendable {
    let base: String
    let store: SQLiteTicketStore
    let simulator: TiKVSimulator
    let board: ClusterStatusBoard
    let logs: CapturedLogs
    /// The monitor's latest snapshot (the alert intake maps addresses through it).
    let latest: LatestSnapshot<TiKVSnapshot>

    struct Reply: Sendable {
        var status: Int
        var headers: [(String, String)]
        var body: Data

        var text: String { String(decoding: body, as: UTF8.self) }
        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
        func object() throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any], "not a JSON object: \(text.prefix(300))")
        }
        func array() throws -> [[String: Any]] {
            try #require(try JSONSerialization.jsonObject(with: body) as? [[String: Any]], "not a JSON array: \(text.prefix(300))")
        }
        /// The error shape every failure answers with.
        func error() throws -> (error: String, detail: String) {
            let o = try object()
            #expect(Set(o.keys) == ["error", "detail"], "error body: \(text)")
            return (try #require(o["error"] as? String), try #require(o["detail"] as? String))
        }
    }

    func call(_ path: String, token: String? = nil, authorization: String? = nil) async throws -> Reply {
        try await call(.GET, path, token: token, authorization: authorization)
    }

    /// `authorization` is sent as the header's whole value (e.g. Basic credentials); `token` as a bearer.
    func call(
        _ method: HTTPMethod, _ path: String, body: String? = nil, contentType: String? = "application/json",
        token: String? = nil, authorization: String? = nil
    ) async throws -> Reply {
        try await Self.call(
            method, base + path, body: body.map { Data($0.utf8) }, contentType: contentType, token: token, authorization: authorization)
    }

    static func call(
        _ method: HTTPMethod, _ url: String, body: Data? = nil, contentType: String? = "application/json", token: String? = nil,
        authorization: String? = nil
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let body {
            request.body = .bytes(ByteBuffer(data: body))
            if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        }
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let collected = try await response.body.collect(upTo: 64 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: Data(collected.readableBytesView))
    }

    /// Polls until `condition` holds (a hang guard, not a timing assertion).
    func eventually(_ what: String, timeout: Duration = .seconds(120), _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("timed out waiting for \(what)")
        throw CancellationError()
    }

    /// The store-down incident, once the monitor has opened it.
    func storeDownIncident() async throws -> [String: Any] {
        var found: [String: Any]?
        try await eventually("a store-down incident on store:2") {
            let items = try await call("/api/v1/incidents").object()["items"] as? [[String: Any]] ?? []
            found = items.first { $0["root_invariant"] as? String == "store-down" && $0["root_entity"] as? String == "store:2" }
            return found != nil
        }
        return try #require(found)
    }
}

/// Starts everything, runs `body`, stops everything (pass or fail).
func withLiveAPI(
    token: String? = nil, tokenRequiredForReads: Bool = false, startMonitor: Bool = true,
    _ body: (LiveAPI) async throws -> Void
) async throws {
    let directory = try TemporaryDirectory(prefix: "operator-api-test")
    defer { directory.remove() }
    let store = try SQLiteTicketStore(path: directory.file("operator.db"))
    var simulatorConfiguration = TiKVSimulatorConfiguration()
    simulatorConfiguration.port = 0
    simulatorConfiguration.timeScale = 0  // PD time moves only by advanceClock: what the monitor sees is not a race
    let simulator = TiKVSimulator(configuration: simulatorConfiguration)
    let endpoints = try await simulator.start()
    do {
        try await simulator.inject(.storeDown, entity: "store:2")
        try await simulator.advanceClock(bySeconds: 40)  // past PD's 20 s heartbeat timeout: Disconnected
        var subjectConfiguration = SubjectConfiguration(endpoints: [endpoints.pdURLs[0]])
        subjectConfiguration.requestTimeout = .seconds(30)
        let subject = try TiKVSubject(configuration: subjectConfiguration)
        let logs = CapturedLogs()
        let logger = logs.logger(label: "api-test")
        let board = ClusterStatusBoard()
        let latest = LatestSnapshot<TiKVSnapshot>()
        let intake = AlertIntake(cluster: "default", subject: subject.name, knowledge: subject.knowledge, store: store, latest: latest)
        let cluster = ServedCluster(
            name: "default", subject: subject.name, diagnosers: ["offline"], receiveAlerts: { try await intake.receive($0) }
        ) { id, name in
            let runner = DiagnosisRunner(subject: subject, store: store, diagnoser: OfflineDiagnoser(rules: subject.knowledge.rules), logger: logger)
            let outcome = try await runner.diagnose(incidentIDs: [id]).first
            return DiagnosisAttempt(incidentID: id, diagnoser: name, diagnosis: outcome?.diagnosis, error: outcome?.error)
        }
        let routes = APIRoutes(store: store, clusters: [cluster], board: board, metricsText: { "operator_ticks_total 1\n" }, logger: logger)
        let bound = Mutex<Int?>(nil)
        let server = APIServer.application(
            routes: routes, access: AccessPolicy(token: token.flatMap(APIToken.init), tokenRequiredForReads: tokenRequiredForReads),
            listen: .init(host: "127.0.0.1", port: 0), logger: logger
        ) { _, port in bound.withLock { $0 = port } }
        var services: [any Service] = [server]
        if startMonitor {
            services.append(
                MonitorService(
                    subject: subject, store: store, configuration: MonitorConfiguration(interval: .milliseconds(200), tickTimeout: .seconds(30)),
                    logger: logger, latest: latest, board: board))
        }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: services, logger: logger))
        let running = Task { try await group.run() }
        defer { running.cancel() }
        let deadline = ContinuousClock.now + .seconds(60)
        while bound.withLock({ $0 }) == nil && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        let port = try #require(bound.withLock { $0 }, "the API server never reported its port")
        do {
            try await body(LiveAPI(base: "http://127.0.0.1:\(port)", store: store, simulator: simulator, board: board, logs: logs, latest: latest))
        } catch {
            await group.triggerGracefulShutdown()
            _ = try? await running.value
            throw error
        }
        await group.triggerGracefulShutdown()
        _ = try? await running.value
        await simulator.stop()
    } catch {
        await simulator.stop()
        throw error
    }
}
