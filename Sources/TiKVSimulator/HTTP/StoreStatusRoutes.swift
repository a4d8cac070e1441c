import Hummingbird

/// A TiKV store's status server (tikv-interfaces.md §4): `/status` and `/metrics`.
struct StoreStatusRoutes: Sendable {
    let cluster: SimulatedCluster
    let storeIndex: Int

    func register(on router: Router<BasicRequestContext>) {
        router.add(middleware: GoNotFoundMiddleware())
        router.get("/status") { _, _ in Response(status: .ok) }
        router.get("/metrics") { _, _ in
            let page = cluster.read { model, now in
                model.tikvMetricsPage(ofStore: storeIndex, summary: model.summary(at: now))
            }
            return GoHTTPResponse.body(page, status: .ok, contentType: "text/plain; version=0.0.4")
        }
    }
}
