import ArgumentParser
import Foundation
import OperatorCore

/// `--flap-threshold`, `--flap-window`, `--flap-settle`, or `flapping: {threshold, window, settle}` in
/// operator.yaml: when a recurring incident counts as flapping and when it settles (`FlapPolicy`).
struct FlapOptions: ParsableArguments {
    static let sectionKeys: Set<String> = ["threshold", "window", "settle"]

    @Option(
        help: ArgumentHelp(
            "An incident is flapping after its tickets recur this many times within --flap-window (default 3); its tickets are then held open instead of resolving and reopening.",
            valueName: "n"))
    var flapThreshold: Int?

    @Option(help: ArgumentHelp("Window in which --flap-threshold recurrences make an incident flapping (default 30m).", valueName: "duration"))
    var flapWindow: String?

    @Option(
        help: ArgumentHelp(
            "A flapping incident's tickets resolve once their violation has been absent this long (default 5m).",
            valueName: "duration"))
    var flapSettle: String?

    func policy(file: OperatorConfigFile) throws -> FlapPolicy {
        let section = try file.section("flapping")
        if let unknown = section.keys.filter({ !Self.sectionKeys.contains($0) }).sorted().first {
            throw CLIFailure(
                "config file \(file.path ?? "operator.yaml"): unknown setting \"flapping.\(unknown)\"; known: \(Self.sectionKeys.sorted().joined(separator: ", "))",
                exitCode: 2)
        }
        let defaults = FlapPolicy()
        let threshold = try flapThreshold ?? Self.wholeNumber(section["threshold"], name: "flapping.threshold") ?? defaults.threshold
        guard threshold >= 1 else {
            throw CLIFailure("--flap-threshold (flapping.threshold) must be at least 1, got \(threshold)", exitCode: 2)
        }
        let window = try Self.positiveDuration(
            flapWindow ?? Self.text(section["window"], name: "flapping.window"), flag: "--flap-window (flapping.window)") ?? defaults.window
        let settle = try Self.positiveDuration(
            flapSettle ?? Self.text(section["settle"], name: "flapping.settle"), flag: "--flap-settle (flapping.settle)") ?? defaults.settle
        return FlapPolicy(threshold: threshold, window: window, settle: settle)
    }

    private static func wholeNumber(_ value: JSONValue?, name: String) throws -> Int? {
        guard let value else { return nil }
        if case .number(let n) = value, n == n.rounded(), let i = Int(exactly: n) { return i }
        throw CLIFailure("config file: \"\(name)\" must be a whole number, e.g. 3", exitCode: 2)
    }

    private static func text(_ value: JSONValue?, name: String) throws -> String? {
        guard let value else { return nil }
        guard let s = value.stringValue else {
            throw CLIFailure("config file: \"\(name)\" must be a duration with its unit, e.g. 5m or 300s", exitCode: 2)
        }
        return s
    }

    private static func positiveDuration(_ text: String?, flag: String) throws -> Duration? {
        guard let text else { return nil }
        let d = try DemoCommand.duration(text, flag: flag)
        guard d > .zero else { throw CLIFailure("\(flag) must be positive, e.g. 5m; got \(text)", exitCode: 2) }
        return d
    }
}
