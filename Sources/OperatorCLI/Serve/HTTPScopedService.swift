import OperatorHTTP
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
