import Foundation
import OperatorCore

/// Posts a Slack-compatible incoming-webhook message (``SlackMessage``). The webhook URL's path is its
/// secret, so logs show only its scheme and host.
public struct SlackReceiver: NotificationReceiver {
    public let name: String
    public let redactedTarget: String
    let post: ReceiverPost

    public init(name: String, url: String, timeout: Duration = .seconds(10)) {
        self.name = name
        self.redactedTarget = NotificationURLText.redacted(url, hidePath: true)
        self.post = ReceiverPost(receiver: name, url: url, redactedTarget: redactedTarget, timeout: timeout)
    }

    public func deliver(_ payload: NotificationPayload) async throws {
        try await post.post(
            try JSONEncoder.operatorEncoder.encode(SlackMessage(payload)),
            headers: [("Idempotency-Key", payload.notification.idempotencyKey)])
    }
}
