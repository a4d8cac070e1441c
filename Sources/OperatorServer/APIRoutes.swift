import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import OperatorCore

/// The routes of `operator serve`: `/api/v1` (JSON), `/healthz`, `/readyz`, `/metrics`.
public struct APIRoutes: Sendable {
    /// Request bodies larger than this answer 413.
    public static let maxBodyBytes = 1 << 20
    /// How a diagnoser is named (`offline`, `anthropic`, `openai`).
    static let diagnoserPattern = "^[a-z][a-z0-9-]{0,31}$"

    /// Every route served, in OpenAPI's spelling; `OpenAPIDocument` describes exactly these.
    public static let all: [APIRoute] = [
        APIRoute(.get, "/healthz"),
        APIRoute(.get, "/readyz"),
        APIRoute(.get, "/metrics"),
        APIRoute(.get, "/api/v1/openapi.json"),
        APIRoute(.get, "/api/v1/clusters"),
        APIRoute(.get, "/api/v1/incidents"),
        APIRoute(.get, "/api/v1/incidents/{id}"),
        APIRoute(.post, "/api/v1/incidents/{id}/acknowledge"),
        APIRoute(.post, "/api/v1/incidents/{id}/resolve"),
        APIRoute(.post, "/api/v1/incidents/{id}/diagnose"),
        APIRoute(.get, "/api/v1/tickets"),
        APIRoute(.get, "/api/v1/tickets/{id}"),
        APIRoute(.post, "/api/v1/alerts/alertmanager"),
    ]

    let data: IncidentData
    let clusters: [ServedCluster]
    let board: ClusterStatusBoard
    let metricsText: @Sendable () -> String
    let logger: Logger
    /// Encoded incident and ticket reads until the next commit; `nil` encodes every answer afresh.
    let cache: ResponseCache?
    /// Where replicas' leases are read and what this replica runs; `nil` when the server is not a replica
    /// (every cluster is watched here).
    let leases: Leases?

    /// A replica's view of the leases: the shared table (who should watch each cluster) and this
    /// replica's coordinator (what it runs).
    public struct Leases: Sendable {
        public var store: any LeaseStore
        public var replica: ReplicaLeaseBoard

        public init(store: any LeaseStore, replica: ReplicaLeaseBoard) {
            self.store = store
            self.replica = replica
        }
    }

    public init(
        store: any TicketStore, clusters: [ServedCluster], board: ClusterStatusBoard,
        metricsText: @escaping @Sendable () -> String, logger: Logger, cache: ResponseCache? = ResponseCache(),
        leases: Leases? = nil
    ) {
        data = IncidentData(store: store)
        self.clusters = clusters
        self.board = board
        self.metricsText = metricsText
        self.logger = logger
        self.cache = cache
        self.leases = leases
    }

    /// Adds the error translation and access control, then every route of `all`.
    public func add<Context: RequestContext>(to router: Router<Context>, access: AccessPolicy) {
        router.add(middleware: APIErrorMiddleware<Context>(routes: Self.all, logger: logger))
        router.add(middleware: AccessMiddleware<Context>(policy: access))
        for route in Self.all {
            let handle: Handler<Context> = handler(for: route)
            router.on(RouterPath(route.routerPath), method: route.method) { request, context in
                try await handle(request, context)
            }
        }
    }

    private typealias Handler<Context: RequestContext> = @Sendable (Request, Context) async throws -> Response

    private func handler<Context: RequestContext>(for route: APIRoute) -> Handler<Context> {
        switch (route.method, route.path) {
        case (.get, "/healthz"): return { _, _ in try json(await statusBody("ok")) }
        case (.get, "/readyz"): return { _, _ in try await readiness() }
        case (.get, "/metrics"):
            return { _, _ in
                Response(
                    status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                    body: ResponseBody(byteBuffer: ByteBuffer(string: metricsText() + (cache?.metricsText ?? ""))))
            }
        case (.get, "/api/v1/openapi.json"):
            let document = OpenAPIDocument.json
            return { _, _ in
                Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: document)))
            }
        case (.get, "/api/v1/clusters"): return { _, _ in try json(try await clusterViews()) }
        case (.get, "/api/v1/incidents"): return { request, _ in try await incidents(request.uri.queryParameters) }
        case (.get, "/api/v1/incidents/{id}"): return { _, context in try await incident(try QueryParameters.id(context, what: "incident")) }
        case (.post, "/api/v1/incidents/{id}/acknowledge"):
            return { request, context in
                let id = try QueryParameters.id(context, what: "incident")
                var request = request
                let body = try await JSONBody.object(&request, context: context, fields: ["by": .requiredString, "note": .optionalString])
                // The document's pattern, `[A-Za-z0-9]`: a name or handle has at least one letter or digit.
                guard let by = body["by"]?.stringValue, by.unicodeScalars.contains(where: { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) }) else {
                    throw APIError.badParameter("by", "`by` says who acknowledges: a name or handle with at least one letter or digit")
                }
                return try json(try await notFoundAware { try await data.acknowledge(incidentID: id, by: by, note: body["note"]?.stringValue, at: Date()) })
            }
        case (.post, "/api/v1/incidents/{id}/resolve"):
            return { request, context in
                let id = try QueryParameters.id(context, what: "incident")
                var request = request
                let body = try await JSONBody.object(&request, context: context, fields: ["note": .optionalString])
                return try json(try await notFoundAware { try await data.resolve(incidentID: id, note: body["note"]?.stringValue, at: Date()) })
            }
        case (.post, "/api/v1/incidents/{id}/diagnose"):
            return { request, context in
                let id = try QueryParameters.id(context, what: "incident")
                var request = request
                let body = try await JSONBody.object(&request, context: context, fields: ["diagnoser": .requiredString])
                return try json(try await diagnose(incidentID: id, diagnoser: body["diagnoser"]?.stringValue ?? ""))
            }
        case (.get, "/api/v1/tickets"): return { request, _ in try await tickets(request.uri.queryParameters) }
        case (.get, "/api/v1/tickets/{id}"): return { _, context in try await ticket(try QueryParameters.id(context, what: "ticket")) }
        case (.post, "/api/v1/alerts/alertmanager"):
            return { request, context in
                let cluster = try alertCluster(request.uri.queryParameters)
                var request = request
                let body = try await JSONBody.bytes(&request, context: context)
                // Every alert is checked before any is written: a bad payload writes nothing.
                let alerts: [ReceivedAlert]
                do {
                    alerts = try AlertmanagerPayload.alerts(from: Data(body.readableBytesView))
                } catch let error as AlertPayloadError {
                    throw error.field.map { APIError.badParameter($0, error.detail) } ?? APIError(.badRequest, "bad body", error.detail)
                }
                guard let receive = cluster.receiveAlerts else {
                    throw APIError(.conflict, "alert intake not available", "this server takes no alerts for cluster `\(cluster.name)`")
                }
                return try json(try await receive(alerts))
            }
        default:
            let unknown = route
            return { _, _ in throw APIError(.internalServerError, "route without handler", "\(unknown.method) \(unknown.path)") }
        }
    }

    // MARK: handlers

    /// Ready once every cluster watched here has completed a tick; a replica, once it has also tried its
    /// leases (it watches the clusters it won; the others are other replicas' to tick).
    private func readiness() async throws -> Response {
        var watchedHere = clusters.map(\.name)
        if let replica = leases?.replica {
            guard await replica.rounds > 0 else {
                throw APIError(.serviceUnavailable, "not ready", "replica \(replica.replica) has not tried its leases yet")
            }
            let running = await replica.running
            watchedHere = watchedHere.filter { running.contains(LeaseName.cluster($0)) }
        }
        var waiting: [String] = []
        for name in watchedHere where await board.status(cluster: name) == nil { waiting.append(name) }
        guard waiting.isEmpty else {
            throw APIError(
                .serviceUnavailable, "not ready",
                "no completed tick yet for cluster(s): \(waiting.joined(separator: ", "))")
        }
        return try json(await statusBody("ready"))
    }

    private func statusBody(_ status: String) async -> StatusBody {
        guard let replica = leases?.replica else {
            return StatusBody(status: status, clusters: clusters.map(\.name), replica: nil, watching: clusters.map(\.name))
        }
        let running = await replica.running
        return StatusBody(
            status: status, clusters: clusters.map(\.name), replica: replica.replica,
            watching: clusters.map(\.name).filter { running.contains(LeaseName.cluster($0)) })
    }

    private func clusterViews() async throws -> [ClusterView] {
        // One read of the lease table for the whole answer: who holds each cluster's lease right now.
        let now = Date()
        var holders: [String: Lease] = [:]
        if let store = leases?.store {
            for lease in try await store.leases() where lease.isLive(at: now) { holders[lease.name] = lease }
        }
        var views: [ClusterView] = []
        for cluster in clusters {
            views.append(
                ClusterView(
                    cluster: cluster, tick: await board.status(cluster: cluster.name),
                    openIncidents: try await data.openIncidentCount(cluster: cluster.name),
                    watchedBy: holders[LeaseName.cluster(cluster.name)].map { ClusterView.Watcher(replica: $0.holder, expiresAt: $0.expiresAt) }))
        }
        return views
    }

    private func incidents(_ query: FlatDictionary<Substring, Substring>) async throws -> Response {
        let page = try PageQuery(query)
        let cluster = try QueryParameters.clusterName(query)
        let statuses = try QueryParameters.statuses(query, as: IncidentStatus.self)
        return try await cachedJSON(CacheKey.list("incidents", cluster: cluster, statuses: statuses, page: page)) {
            Page(rows: try await data.incidents(cluster: cluster, statuses: statuses, page: page), limit: page.limit, id: \.id)
        }
    }

    private func incident(_ id: Int64) async throws -> Response {
        try await cachedJSON("incident/\(id)") { try await incidentDetail(id) }
    }

    private func incidentDetail(_ id: Int64) async throws -> IncidentDetail {
        guard let incident = try await data.store.incident(id: id) else { throw APIError.notFound("incident", id: id) }
        let tickets = try await data.store.tickets(TicketFilter(incidentID: id))
        let timeline = try await data.store.timeline(incidentID: id)
        // The stored JSON's length: the context is not decoded and encoded again just to be measured.
        let size = try await data.store.diagnosisContextBytes(incidentID: id).map { bytes in
            IncidentDetail.ContextSize(bytes: bytes, estimatedTokens: ContextBudget.estimatedTokens(jsonBytes: bytes))
        }
        return IncidentDetail(incident: incident, tickets: tickets, timeline: timeline, diagnosis: incident.diagnosis, contextSize: size)
    }

    private func tickets(_ query: FlatDictionary<Substring, Substring>) async throws -> Response {
        let page = try PageQuery(query)
        var incidentID: Int64?
        if let text = query["incident"] {
            guard let id = Int64(text), id > 0 else {
                throw APIError.badParameter("incident", "incident must be a positive whole number (an incident id), not `\(text.prefix(40))`")
            }
            incidentID = id
        }
        let cluster = try QueryParameters.clusterName(query)
        let statuses = try QueryParameters.statuses(query, as: TicketStatus.self)
        let key = CacheKey.list("tickets", cluster: cluster, statuses: statuses, page: page) + "&incident=\(incidentID.map(String.init) ?? "")"
        return try await cachedJSON(key) {
            Page(
                rows: try await data.tickets(cluster: cluster, statuses: statuses, incidentID: incidentID, page: page), limit: page.limit,
                id: \.id)
        }
    }

    private func ticket(_ id: Int64) async throws -> Response {
        try await cachedJSON("ticket/\(id)") {
            guard let ticket = try await data.store.ticket(id: id) else { throw APIError.notFound("ticket", id: id) }
            return TicketDetail(ticket: ticket, timeline: try await data.store.timeline(ticketID: id))
        }
    }

    /// The answer from the cache when the database has not changed since it was encoded; otherwise read,
    /// encoded and kept. The version is asked first, so what is kept is never older than it. A store that
    /// cannot tell its version (or fails to) is read every time.
    private func cachedJSON<Value: Encodable>(_ key: String, _ read: () async throws -> Value) async throws -> Response {
        guard let cache, let version = try? await data.store.dataVersion() else { return try json(try await read()) }
        if let body = cache.body(for: key, version: version) { return jsonResponse(body) }
        let body = ByteBuffer(bytes: try JSONEncoder.operatorEncoder.encode(try await read()))
        cache.store(body, for: key, version: version)
        return jsonResponse(body)
    }

    private func diagnose(incidentID: Int64, diagnoser: String) async throws -> DiagnosisAttempt {
        guard let incident = try await data.store.incident(id: incidentID) else { throw APIError.notFound("incident", id: incidentID) }
        let name = data.cluster(of: incident)
        guard let cluster = clusters.first(where: { $0.name == name }) else {
            throw APIError(.conflict, "cluster not served", "incident #\(incidentID) belongs to cluster `\(name)`, which this server does not watch")
        }
        guard diagnoser.wholeMatch(of: /[a-z][a-z0-9-]{0,31}/) != nil else {
            throw APIError.badParameter("diagnoser", "`diagnoser` names a diagnoser, e.g. \"offline\"; use one of \(cluster.diagnosers.joined(separator: ", "))")
        }
        guard cluster.diagnosers.contains(diagnoser) else {
            throw APIError(
                .conflict, "diagnoser not configured",
                "diagnoser `\(diagnoser)` is not configured for cluster `\(name)` on this server; use one of \(cluster.diagnosers.joined(separator: ", ")) (others: `operator serve --diagnose NAME`)")
        }
        return try await notFoundAware { try await cluster.diagnose(incidentID, diagnoser) }
    }

    /// The cluster `?cluster=NAME` names: required when several are served; 404 listing them when unknown.
    private func alertCluster(_ query: FlatDictionary<Substring, Substring>) throws(APIError) -> ServedCluster {
        let known = clusters.map(\.name).sorted()
        guard let text = query["cluster"] else {
            if clusters.count == 1, let only = clusters.first { return only }
            throw APIError.badParameter(
                "cluster", "name the cluster the alerts are about with `?cluster=NAME`; this server watches \(known.joined(separator: ", "))")
        }
        guard let cluster = clusters.first(where: { $0.name == text }) else {
            throw APIError(
                .notFound, "cluster not found",
                "no cluster `\(text.prefix(63))` is served here; use ?cluster= with one of: \(known.isEmpty ? "(none)" : known.joined(separator: ", "))")
        }
        return cluster
    }

    private func notFoundAware<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as NotFoundError {
            throw APIError.notFound(error.what, id: error.id)
        }
    }
}

/// A JSON answer in the CLI's `--json` shapes (`JSONEncoder.operatorEncoder`).
func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
    jsonResponse(ByteBuffer(bytes: try JSONEncoder.operatorEncoder.encode(value)), status: status)
}

func jsonResponse(_ body: ByteBuffer, status: HTTPResponse.Status = .ok) -> Response {
    Response(status: status, headers: [.contentType: "application/json; charset=utf-8"], body: ResponseBody(byteBuffer: body))
}

/// A list route's parameters in one spelling, whatever their order or repetition in the request.
enum CacheKey {
    static func list<S: RawRepresentable>(_ route: String, cluster: String?, statuses: Set<S>?, page: PageQuery) -> String
    where S.RawValue == String {
        let status = statuses.map { $0.map(\.rawValue).sorted().joined(separator: ",") } ?? "*"
        return "\(route)?cluster=\(cluster ?? "*")&status=\(status)&limit=\(page.limit)&before=\(page.beforeID.map(String.init) ?? "")"
    }
}
