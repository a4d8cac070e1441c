import Foundation
import OperatorConfiguration

/// `operator.yaml` (and eval scenario files, which share `BoundedYAML`) through the one entry point the
/// CLI uses: size, nesting and alias-expansion bounds, then every setting's type and range. A rejected file
/// is fine; a trap, a hang or unbounded memory is a finding.
public enum OperatorYAMLTarget {
    public static func run(_ input: Data) {
        guard let file = try? OperatorConfigFile.parse(input, path: "fuzz.yaml") else { return }
        // Read back what a command reads, so typed access on an accepted file is exercised too.
        _ = try? file.subjectSettings("tikv")
        _ = try? file.section("flapping")
        _ = try? file.list("endpoints")
    }
}
