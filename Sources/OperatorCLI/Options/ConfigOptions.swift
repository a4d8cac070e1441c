import ArgumentParser
import OperatorConfiguration

/// `--config`, shared by every command that reads settings.
struct ConfigOptions: ParsableArguments {
    @Option(
        name: .customLong("config"),
        help: ArgumentHelp(
            "Settings file to read (default: $OPERATOR_CONFIG, else ./operator.yaml when present).",
            valueName: "path"))
    var path: String?

    func load() throws -> OperatorConfigFile {
        try OperatorConfigFile.load(explicitPath: path)
    }
}
