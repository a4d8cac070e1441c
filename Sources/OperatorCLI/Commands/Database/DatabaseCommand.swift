import ArgumentParser

/// `operator db`: the ticket database itself (schema, moving a history between stores).
struct DatabaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Migrate the ticket database, or copy a SQLite history into PostgreSQL.",
        subcommands: [DatabaseMigrateCommand.self, DatabaseCopyCommand.self])
}
