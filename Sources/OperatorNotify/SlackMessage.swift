import Foundation
import OperatorCore

/// A Slack incoming-webhook message: `text` (the notification and fallback) and `blocks` — a header, the
/// summary, the root cause, the top evidence and a console link (Block Kit `header`, `section` with
/// `mrkdwn` text). Anything Slack-compatible (Mattermost, Rocket.Chat) reads `text`.
struct SlackMessage: Encodable {
    struct Text: Encodable {
        var type: String
        var text: String
    }

    struct Block: Encodable {
        var type: String
        var text: Text
    }

    var text: String
    var blocks: [Block]

    /// Evidence items shown; a chat message is a pointer to the console, not the whole diagnosis.
    static let evidenceShown = 3

    init(_ payload: NotificationPayload) {
        let incident = payload.incident
        let event = payload.notification.event
        let headline = "[\(event.rawValue)] incident #\(incident.id) on \(incident.cluster): \(incident.title)"
        text = Self.clipped(headline, 3000)
        var blocks = [Block(type: "header", text: Text(type: "plain_text", text: Self.clipped(headline, 150)))]
        let summary = incident.diagnosis?.summary ?? "Not diagnosed yet."
        blocks.append(Self.section("*Summary*\n\(summary)"))
        if let diagnosis = incident.diagnosis {
            blocks.append(
                Self.section(
                    "*Root cause*: `\(diagnosis.rootCause.category)` on `\(diagnosis.rootCause.entity)`\n\(diagnosis.rootCause.explanation)"))
            let evidence = diagnosis.evidence.prefix(Self.evidenceShown).map { item in
                "• \(item.signal): \(item.value)" + (item.expected.map { " (expected \($0))" } ?? "")
            }
            if !evidence.isEmpty { blocks.append(Self.section("*Top evidence*\n" + evidence.joined(separator: "\n"))) }
        } else {
            blocks.append(Self.section("*Root*: `\(incident.rootInvariant)` on `\(incident.rootEntity)`, severity \(incident.severity.rawValue)"))
        }
        if let console = payload.consoleURL { blocks.append(Self.section("<\(console)|Open in the Operator console>")) }
        self.blocks = blocks
    }

    /// Slack refuses a section over 3000 characters and a header over 150.
    private static func section(_ markdown: String) -> Block {
        Block(type: "section", text: Text(type: "mrkdwn", text: clipped(markdown, 3000)))
    }

    private static func clipped(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }
}
