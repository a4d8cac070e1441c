import Hummingbird

/// A TiKV store's status server (tikv-interfaces.md §4): `/status` and `/metrics`.
struct StoreStatusRoutes: Sendable {
    let cluster: SimulatedCluster
    let storeIndex: Int

    func register(on router: Router<BasicRequestContext>) {
        router.add(middleware: RequestRecordingMiddleware(counter: cluster.requests, keyPrefix: RequestCounter.storeKey("")))
        router.add(middleware: GoNotFoundMiddleware())
        router.get("/status") { _, _ in Response(status: .ok) }
        router.get("/metrics") { request, _ in
            let page = cluster.read { model, now in
                model.tikvMetricsPage(ofStore: storeIndex, summary: model.summary(at: now))
            }
            // The page the invariants read, then the bulk of a real page (about 1.4 MB in all).
            return MetricsResponse.page(
                page, bulk: (TiKVMetricsBulk.text, TiKVMetricsBulk.deflated),
                gzip: Gzip.isAccepted(by: request.headers[.acceptEncoding]), contentType: "text/plain; version=0.0.4")
        }
    }
}
