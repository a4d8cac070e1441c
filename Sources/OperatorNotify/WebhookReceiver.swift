import Foundation
import OperatorCore

/// POSTs each notification as JSON (``WebhookBody``) with `Idempotency-Key` and, when a shared secret is
/// configured, `X-Operator-Signature` (HMAC-SHA256 over the body). The secret is held here and nowhere
/// else: never logged, never stored.
public struct WebhookReceiver: NotificationReceiver {
    public let name: String
    public let redactedTarget: String
    let post: ReceiverPost
    let secret: Data?

    public init(name: String, url: String, secret: Data?, timeout: Duration = .seconds(10)) {
        self.name = name
        self.redactedTarget = NotificationURLText.redacted(url)
        self.post = ReceiverPost(receiver: name, url: url, redactedTarget: redactedTarget, timeout: timeout)
        self.secret = secret
    }

    public func deliver(_ payload: NotificationPayload) async throws {
        let body = try JSONEncoder.operatorEncoder.encode(WebhookBody(payload))
        var headers = [("Idempotency-Key", payload.notification.idempotencyKey)]
        if let secret { headers.append((WebhookSignature.header, WebhookSignature.sign(body, secret: secret))) }
        try await post.post(body, headers: headers)
    }
}
