import ArgumentParser
import Foundation
import OperatorCore
import TicketStorePostgres

/// `operator db migrate`: brings the database named by --db to this binary's schema and says which it is.
struct DatabaseMigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Create or upgrade the ticket database's schema (SQLite file or postgres:// URL) and print its version.",
        discussion: "Safe to run while replicas are running and from several places at once: migrations take a lock.")

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var config: ConfigOptions
    @Flag(help: "Print JSON.") var json = false

    struct Report: Encodable {
        var database: String
        var engine: String
        var schemaVersion: String

        enum CodingKeys: String, CodingKey {
            case database, engine
            case schemaVersion = "schema_version"
        }
    }

    func run() async throws {
        let store = try await database.open(config: try config.load())
        let report: Report
        if let postgres = store as? PostgresTicketStore {
            let version = try await postgres.migrate()
            report = Report(database: postgres.displayLocation, engine: "postgresql", schemaVersion: version)
            await postgres.close()
        } else {
            report = Report(database: store.displayLocation, engine: "sqlite", schemaVersion: SQLiteTicketStore.schemaVersion)
        }
        if json { return try Output.json(report) }
        Output.line("\(report.database): schema \(report.schemaVersion) (\(report.engine))")
    }
}
