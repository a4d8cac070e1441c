import ArgumentParser
import OperatorCore

/// `--cluster` on the commands that read the database: only that cluster's rows. Any cluster the
/// database holds can be named (a database outlives the config that wrote it), so the name is only
/// checked for its form.
struct ClusterFilterOption: ParsableArguments {
    @Option(
        name: .customLong("cluster"),
        help: ArgumentHelp("Only rows of this cluster (`default` for a single-cluster config).", valueName: "name"))
    var name: String?

    func validate() throws {
        if let name, !ClusterName.isValid(name) {
            throw ValidationError(
                "--cluster \"\(name)\" is not a cluster name; cluster names are 1 to 63 of a-z, 0-9 and - (see `clusters:` in operator.yaml)")
        }
    }

    /// " in cluster X" for messages about an empty result.
    var phrase: String { name.map { " in cluster \($0)" } ?? "" }
}
