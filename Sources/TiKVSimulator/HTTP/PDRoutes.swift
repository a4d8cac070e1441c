import Hummingbird

/// The PD HTTP API routes one PD member serves (tikv-interfaces.md §1), plus its `/metrics`.
struct PDRoutes: Sendable {
    let cluster: SimulatedCluster
    let memberIndex: Int

    /// A reply computed under the model lock, turned into a `Response` outside it.
    struct Reply: Sendable {
        enum Body: Sendable {
            case indented(GoJSON)
            case compact(GoJSON)
            case errorString(String)
            case plain(String, contentType: String)
        }

        var status: HTTPResponse.Status = .ok
        var body: Body

        var response: Response {
            switch body {
            case .indented(let json): return GoHTTPResponse.json(json, status: status)
            case .compact(let json): return GoHTTPResponse.compactJSON(json, status: status)
            case .errorString(let message): return GoHTTPResponse.errorString(message, status: status)
            case .plain(let text, let contentType): return GoHTTPResponse.body(text, status: status, contentType: contentType)
            }
        }
    }

    func register(on router: Router<BasicRequestContext>) {
        router.add(middleware: RequestRecordingMiddleware(counter: cluster.requests))
        router.add(middleware: GoNotFoundMiddleware())
        router.get("/metrics") { request, _ in
            let (page, isLeader) = cluster.read { model, now in
                (model.pdMetricsPage(member: memberIndex, summary: model.summary(at: now)), model.pd.leaderIndex == memberIndex)
            }
            // The leader's page ends with the quadratic scheduler series of pre-v8.5.5 PD.
            return MetricsResponse.pdPage(
                page, series: isLeader ? cluster.pdSchedulerSeries : nil, cluster: cluster,
                gzip: Gzip.isAccepted(by: request.headers[.acceptEncoding]), key: request.uri.path,
                contentType: "text/plain; version=0.0.4; charset=utf-8")
        }

        // Everything under /pd goes through PD's redirect middleware.
        let pd = router.group("pd").add(middleware: PDRedirectMiddleware(cluster: cluster, memberIndex: memberIndex))
        // Deprecated root aliases still served by PD (§1.0).
        pd.get("health") { _, _ in answer { model, _ in Reply(body: .indented(model.healthJSON())) } }
        pd.get("ping") { _, _ in Response(status: .ok) }

        let api = pd.group("api/v1")
        api.get("health") { _, _ in answer { model, _ in Reply(body: .indented(model.healthJSON())) } }
        api.get("ping") { _, _ in Response(status: .ok) }
        api.get("members") { _, _ in answer { model, _ in Reply(body: .indented(model.membersJSON())) } }
        api.get("leader") { _, _ in
            answer { model, _ in
                guard let leader = model.pd.leaderIndex else { return Reply(status: .serviceUnavailable, body: .errorString("no leader")) }
                return Reply(body: .indented(model.memberJSON(leader)))
            }
        }
        api.get("status") { _, _ in answer { model, _ in Reply(body: .indented(model.statusJSON(member: model.pd.leaderIndex ?? memberIndex))) } }
        api.get("version") { _, _ in answer { model, _ in Reply(body: .indented(.object([("version", .string(model.configuration.pdVersion))]))) } }
        api.get("stores") { request, _ in
            let states = request.uri.queryParameters.getAll("state")
            return answer { model, now in Self.stores(model, now: now, numericStates: states) }
        }
        api.get("stores/check") { request, _ in
            let states = request.uri.queryParameters.getAll("state")
            return answer { model, now in Self.storesByState(model, now: now, names: states) }
        }
        api.get("store/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            return answer { model, now in Self.store(model, now: now, id: id) }
        }
        api.get("stats/region") { _, _ in
            answer { model, now in Reply(body: .indented(model.regionStatsJSON(summary: model.summary(at: now)))) }
        }
        api.get("regions/count") { _, _ in
            answer { model, _ in Reply(body: .indented(.object([("count", .int(model.layout.regionCount)), ("regions", .null)]))) }
        }
        api.get("regions") { _, _ in
            answer { model, now in
                let summary = model.summary(at: now)
                let page = model.regions(in: summary, limit: model.configuration.regionListLimit, cohorts: { _ in true }) {
                    model.layout.cohortRegions[$0]
                }
                return Reply(body: .compact(model.regionsJSON(count: page.count, regions: page.page, summary: summary)))
            }
        }
        api.get("regions/check/:state") { request, context in
            let state = context.parameters.get("state") ?? ""
            let path = request.uri.path
            switch cluster.read({ model, now in Self.regionCheck(model, now: now, state: state) }) {
            case .reply(let reply):
                return reply.response
            case .list(let list):
                // Streamed: ~0.8 KB per region, 24 MB for 30,000 down-peer regions.
                return StreamedBody.response(
                    headers: [.contentType: "application/json; charset=UTF-8"], counter: cluster.requests, key: path) { list.chunk($0) }
            }
        }
        api.get("region/id/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            return answer { model, now in Self.region(model, now: now, id: id) }
        }
        api.get("config/schedule") { _, _ in answer { model, _ in Reply(body: .indented(model.scheduleConfigJSON())) } }
        api.get("config/replicate") { _, _ in answer { model, _ in Reply(body: .indented(model.replicateConfigJSON())) } }
        api.get("cluster") { _, _ in answer { model, _ in Reply(body: .indented(model.clusterJSON())) } }
        api.get("cluster/status") { _, _ in answer { model, _ in Reply(body: .indented(model.clusterStatusJSON())) } }
    }

    private func answer(_ body: (inout ClusterModel, SimInstant) -> Reply) -> Response {
        cluster.read(body).response
    }

    // MARK: Handlers

    /// `/stores?state=<int>…`: numeric StoreState filter, Up and Offline by default (§1.2). Parse
    /// errors answer 500 as PD's `NewStoreStateFilter` does.
    static func stores(_ model: ClusterModel, now: SimInstant, numericStates: [String]) -> Reply {
        var accepted: Set<Int> = [0, 1]
        if !numericStates.isEmpty {
            accepted = []
            for text in numericStates {
                guard let state = Int(text) else {
                    return Reply(status: .internalServerError, body: .errorString("strconv.Atoi: parsing \"\(text)\": invalid syntax"))
                }
                guard (0...2).contains(state) else {
                    return Reply(status: .internalServerError, body: .errorString("unknown StoreState: \(state)"))
                }
                accepted.insert(state)
            }
        }
        // Every simulated store is in StoreState Up (0); Disconnected and Down are only names.
        let indices = accepted.contains(0) ? Array(model.stores.indices) : []
        return Reply(body: .indented(model.storesJSON(indices, summary: model.summary(at: now))))
    }

    /// `/stores/check?state=up&state=disconnected…`: state names, case-insensitive (§1.2).
    static func storesByState(_ model: ClusterModel, now: SimInstant, names: [String]) -> Reply {
        let known = ["down", "disconnected", "up", "offline", "tombstone"]
        var wanted: [String] = []
        for name in names where !name.isEmpty {
            guard known.contains(name.lowercased()) else {
                return Reply(status: .badRequest, body: .errorString("unknown StoreState: \(name)"))
            }
            wanted.append(name.lowercased())
        }
        let indices = model.stores.indices.filter { index in
            wanted.isEmpty || wanted.contains(model.stateName(ofStore: index, at: now).rawValue.lowercased())
        }
        return Reply(body: .indented(model.storesJSON(indices, summary: model.summary(at: now))))
    }

    static func store(_ model: ClusterModel, now: SimInstant, id text: String) -> Reply {
        guard let id = UInt64(text) else {
            // apiutil.ErrorResp with errcode's JSON format for invalid input.
            return Reply(status: .badRequest, body: .indented(.object([
                ("code", .string("input")),
                ("msg", .string("strconv.ParseUint: parsing \"\(text)\": invalid syntax")),
                ("data", .object([])),
            ])))
        }
        guard let index = model.stores.firstIndex(where: { $0.id == id }) else {
            return Reply(status: .notFound, body: .errorString("[PD:core:ErrStoreNotFound]store \(id) not found"))
        }
        return Reply(body: .indented(model.storeInfoJSON(index, summary: model.summary(at: now))))
    }

    static func region(_ model: ClusterModel, now: SimInstant, id text: String) -> Reply {
        guard let id = UInt64(text) else {
            return Reply(status: .badRequest, body: .errorString("strconv.ParseUint: parsing \"\(text)\": invalid syntax"))
        }
        guard id != 0 else {
            return Reply(status: .badRequest, body: .errorString("[PD:region:ErrRegionInvalidID]invalid region id"))
        }
        guard let index = model.layout.regionIndex(ofID: id) else {
            return Reply(status: .notFound, body: .errorString("[PD:region:ErrRegionNotFound]region \(id) not found"))
        }
        let view = model.cohortView(model.layout.cohort(ofRegion: index), at: now)
        return Reply(body: .compact(model.regionJSON(index, view: view, summary: model.summary(at: now))))
    }

    /// What `/regions/check/{state}` answers: a reply (an unknown state's 404, a short list) or a list
    /// to stream.
    enum RegionCheckAnswer: Sendable {
        case reply(Reply)
        case list(RegionListStream)
    }

    /// `/regions/check/{state}`: `count` is the full count, computed per cohort; the list holds
    /// the lowest-id matching regions, at most `regionCheckLimit` of them (real PD lists all).
    static func regionCheck(_ model: ClusterModel, now: SimInstant, state: String) -> RegionCheckAnswer {
        let summary = model.summary(at: now)
        let limit = model.configuration.regionCheckLimit
        let layout = model.layout
        let page: (count: Int, page: [Int])
        switch state {
        case "miss-peer":
            page = model.regions(in: summary, limit: limit, cohorts: \.isMissPeer) { layout.cohortRegions[$0] }
        case "down-peer":
            page = model.regions(in: summary, limit: limit, cohorts: \.hasDownPeer) { layout.cohortRegions[$0] }
        case "pending-peer":
            page = model.regions(in: summary, limit: limit, cohorts: \.hasPendingPeer) { layout.cohortRegions[$0] }
        case "empty-region":
            page = model.regions(in: summary, limit: limit, cohorts: { _ in true }, regionFilter: layout.isEmpty) { layout.cohortEmpty[$0] }
        case "undersized-region":
            page = model.regions(in: summary, limit: limit, cohorts: { _ in true }, regionFilter: layout.isUndersized) { layout.cohortUndersized[$0] }
        case "extra-peer", "learner-peer", "offline-peer", "oversized-region":
            // No simulated region has extra or learner peers, Offline stores, or exceeds 96 MiB.
            page = (0, [])
        default:
            return .reply(Reply(status: .notFound, body: .plain("404 page not found\n", contentType: "text/plain; charset=utf-8")))
        }
        if page.page.count <= RegionListStream.chunkRegions {
            return .reply(Reply(body: .compact(model.regionsJSON(count: page.count, regions: page.page, summary: summary))))
        }
        return .list(RegionListStream(model: model, summary: summary, count: page.count, regions: page.page))
    }
}

/// Counts requests by path before anything else sees them, and the body bytes of the answer: a body of
/// known length here, a streamed one as its chunks are written (`StreamedBody`).
struct RequestRecordingMiddleware<Context: RequestContext>: RouterMiddleware {
    let counter: RequestCounter
    var keyPrefix = ""

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let key = keyPrefix + request.uri.path
        counter.record(key)
        let response = try await next(request, context)
        if let length = response.body.contentLength { counter.recordBytes(key, length) }
        return response
    }
}
