import Foundation
import Logging
import OperatorConfiguration
import OperatorCore
import OperatorHTTP
import OperatorNotify
import ServiceLifecycle

/// The composition root of notifications out: the `notify:` section's receivers made concrete, registered
/// in the database (so every writer queues for them) and wrapped in the delivery service that `serve` and
/// `monitor` run. A secret or URL that cannot be read fails here, at start (exit 2).
enum NotificationDelivery {
    static func service(file: OperatorConfigFile, store: CLITicketStore, logger: Logger) async throws -> NotificationDeliveryService? {
        let settings = try file.notifySettings()
        guard !settings.isEmpty else { return nil }
        var receivers: [any NotificationReceiver] = []
        for entry in settings.receivers {
            let url = try entry.resolvedURL()
            if let credentials = url.credentials {
                HTTPCredentials.shared.register(url: url.url, username: credentials.username, password: credentials.password)
            }
            switch entry.kind {
            case .alertmanager:
                receivers.append(
                    AlertmanagerReceiver(name: entry.name, url: url.url, timeout: entry.timeout, refreshInterval: entry.repostInterval))
            case .webhook:
                receivers.append(WebhookReceiver(name: entry.name, url: url.url, secret: try entry.secret(), timeout: entry.timeout))
            case .slack:
                receivers.append(SlackReceiver(name: entry.name, url: url.url, timeout: entry.timeout))
            }
        }
        try await store.registerNotificationRoutes(settings.receivers.map { NotificationRoute(receiver: $0.name, events: $0.events) })
        for (entry, receiver) in zip(settings.receivers, receivers) {
            logger.notice(
                "notifying \(entry.name)",
                metadata: [
                    "type": "\(entry.kind.rawValue)", "target": "\(receiver.redactedTarget)",
                    "on": "\(entry.events.sorted().map(\.rawValue).joined(separator: ","))",
                ])
        }
        return NotificationDeliveryService(
            store: store, receivers: receivers,
            configuration: .init(
                pollInterval: settings.pollInterval, backoff: DeliveryBackoff(base: settings.retryBase, cap: settings.retryCap),
                consoleBaseURL: settings.consoleURL),
            logger: logger)
    }
}
