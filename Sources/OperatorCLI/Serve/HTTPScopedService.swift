import OperatorHTTP
import OperatorServer
import ServiceLifecycle

/// A cluster's service run inside the cluster's `HTTPSecurityScope`, so its requests (and those of every
/// task it starts) use that cluster's TLS files and credentials even when `serve` watches several clusters
/// configured differently.
struct HTTPScopedService: Service {
    let inner: any Service
    let scope: HTTPSecurityScope

    func run() async throws {
        try await HTTPSecurityScope.$current.withValue(scope) {
            try await inner.run()
        }
    }
}

extension ServedCluster {
    /// This cluster with its API-started work (a re-diagnosis through `POST /api/v1/incidents/{id}/diagnose`,
    /// whose evidence gathering reads the cluster) run inside `scope`, as its monitor is: the API's tasks
    /// are the HTTP server's, outside every cluster's scope.
    func scoped(_ scope: HTTPSecurityScope) -> ServedCluster {
        var scoped = self
        let diagnose = self.diagnose
        scoped.diagnose = { incidentID, diagnoser in
            try await HTTPSecurityScope.$current.withValue(scope) { try await diagnose(incidentID, diagnoser) }
        }
        if let receive = receiveAlerts {
            scoped.receiveAlerts = { alerts in try await HTTPSecurityScope.$current.withValue(scope) { try await receive(alerts) } }
        }
        return scoped
    }
}
