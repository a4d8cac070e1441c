import ArgumentParser
import Foundation
import OperatorCore

struct NotificationsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List outbox rows, newest first.",
        discussion: "failed = pending rows whose latest attempt failed (they keep being retried with backoff).")

    @Option(help: ArgumentHelp("Only rows in this state: pending, sent or failed.", valueName: "status"))
    var status: NotificationFilter.Status?
    @Option(help: "Only rows for this receiver.") var receiver: String?
    @Option(help: "Only rows of this incident.") var incident: Int64?
    @Option(help: "At most this many rows.") var limit: Int = 200
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var config: ConfigOptions
    @Flag(help: "Print a JSON array of outbox rows.") var json = false

    func run() async throws {
        let store = try await database.openExisting(config: try config.load())
        let rows = try await store.notifications(
            NotificationFilter(status: status, receiver: receiver, incidentID: incident, limit: max(1, limit)))
        if json { return try Output.json(rows) }
        if rows.isEmpty {
            return Output.line("No notifications\(status.map { " \($0.rawValue)" } ?? "") in \(store.displayLocation).")
        }
        var table = TextTable("ID", "STATUS", "RECEIVER", "INCIDENT", "EVENT", "ATTEMPTS", "CREATED", "NEXT/SENT", "LAST ERROR")
        for row in rows {
            let state = row.isFailing ? "failed" : row.status.rawValue
            let when = row.sentAt ?? row.nextAttemptAt
            table.add(
                "\(row.id)", state, row.receiver, "#\(row.incidentID)", row.event.rawValue, "\(row.attempts)",
                Timestamp.format(row.createdAt), Timestamp.format(when), row.lastError ?? "")
        }
        Output.line(table.render())
    }
}

extension NotificationFilter.Status: ExpressibleByArgument {}
