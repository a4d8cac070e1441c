import ArgumentParser

@main
struct OperatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "operator",
        abstract: "Watch a distributed database cluster the way an SRE would.",
        subcommands: []
    )
}
