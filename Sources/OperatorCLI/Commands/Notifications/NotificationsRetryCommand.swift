import ArgumentParser
import Foundation
import OperatorCore

struct NotificationsRetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Make an outbox row due now (pending again, attempts from zero); the delivery service sends it.",
        discussion: "A sent row is sent again: receivers dedupe by its Idempotency-Key.")

    @Argument(help: "Outbox row id (from `operator notifications list`).") var id: Int64
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var config: ConfigOptions

    func run() async throws {
        let store = try await database.openExisting(config: try config.load())
        do {
            let row = try await store.retryNotification(id: id, now: Date())
            Output.line("notification #\(row.id) \(row.idempotencyKey) to \(row.receiver): pending, due now")
        } catch let error as NotFoundError {
            throw CLIFailure(error.description)
        }
    }
}
