import ArgumentParser

struct NotificationsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notifications",
        abstract: "Show and re-drive the notification outbox (what was sent to which receiver, what is still pending).",
        subcommands: [NotificationsListCommand.self, NotificationsRetryCommand.self],
        defaultSubcommand: NotificationsListCommand.self)
}
