import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// The local receiver Alertmanager's webhook points at: a Hummingbird server on 127.0.0.1 and a port the
/// OS picks, which stamps every POST with the time it arrived (before reading the body) and keeps one
/// record per alert in it.
///
/// Run `application` as a service of the benchmark's ServiceGroup; `port()` waits until it listens.
final class AlertWebhookReceiver: Sendable {
    /// One alert of one webhook POST.
    struct Delivery: Sendable {
        var arrived: ContinuousClock.Instant
        var arrivedAt: Date
        /// `firing` or `resolved`.
        var status: String
        var alertname: String
        var instance: String
        /// `root_entity` of an `OperatorIncident` alert (empty for Prometheus's alerts).
        var rootEntity: String = ""
    }

    static let path = "/hook"
    static let maxBodyBytes = 1 << 20

    let application: Application<RouterResponder<BasicRequestContext>>
    private let received = Received()
    private let ports: AsyncStream<Int>

    /// Shared with the route handler.
    private final class Received: Sendable {
        let deliveries = Mutex<[Delivery]>([])
    }

    init(logger: Logger) {
        let received = self.received
        let (ports, announce) = AsyncStream.makeStream(of: Int.self)
        let router = Router()
        router.post(RouterPath(Self.path)) { request, _ -> HTTPResponse.Status in
            let arrived = ContinuousClock.now
            let arrivedAt = Date()
            var request = request
            let body = try await request.collectBody(upTo: Self.maxBodyBytes)
            do {
                let hook = try JSONDecoder().decode(AlertmanagerWebhook.self, from: Data(body.readableBytesView))
                let alerts = hook.alerts.map {
                    Delivery(
                        arrived: arrived, arrivedAt: arrivedAt, status: $0.status, alertname: $0.alertname ?? "",
                        instance: $0.instance ?? "", rootEntity: $0.rootEntity ?? "")
                }
                received.deliveries.withLock { $0 += alerts }
                return .ok
            } catch {
                // Alertmanager retries a failed delivery; the warning says what arrived instead.
                let text = String(buffer: body).prefix(200)
                let problem = "POST \(Self.path): not an Alertmanager webhook body (\(error)): \(text)"
                logger.warning("webhook rejected", metadata: ["error": "\(problem)"])
                return .badRequest
            }
        }
        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .warning)
        application = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0), serverName: "operator-bench"),
            onServerRunning: { channel in
                announce.yield(channel.localAddress?.port ?? 0)
                announce.finish()
            },
            logger: quiet)
        self.ports = ports
    }

    /// The port it listens on, once it does; nil if it stopped (or the caller was cancelled) first.
    func port() async -> Int? {
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else { return nil }
        return port
    }

    /// The first delivery of `status` for this alert and instance that arrived at or after `after`.
    func first(status: String, alertname: String, instance: String, after: ContinuousClock.Instant) -> Delivery? {
        received.deliveries.withLock { all in
            all.first { $0.arrived >= after && $0.status == status && $0.alertname == alertname && $0.instance == instance }
        }
    }

    /// The first delivery of `status` for Operator's alert on `rootEntity` that arrived at or after `after`.
    func first(status: String, alertname: String, rootEntity: String, after: ContinuousClock.Instant) -> Delivery? {
        received.deliveries.withLock { all in
            all.first { $0.arrived >= after && $0.status == status && $0.alertname == alertname && $0.rootEntity == rootEntity }
        }
    }
}
