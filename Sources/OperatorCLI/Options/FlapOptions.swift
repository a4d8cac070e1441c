import ArgumentParser
import Foundation
import OperatorConfiguration
import OperatorCore

/// `--flap-threshold`, `--flap-window`, `--flap-settle`, or `flapping: {threshold, window, settle}` in
/// operator.yaml: when a recurring incident counts as flapping and when it settles (`FlapPolicy`).
/// Flags win over the file; both are held to the ranges in `SettingLimits`.
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
            throw ConfigurationError(
                "\(file.source("flapping").description): unknown setting \"flapping.\(unknown)\"; known: \(Self.sectionKeys.sorted().joined(separator: ", "))")
        }
        let defaults = FlapPolicy()
        let threshold: Int
        if let flapThreshold {
            threshold = try SettingLimits.flapThreshold.check(flapThreshold, from: .flag("--flap-threshold"))
        } else if let value = section["threshold"] {
            guard case .number(let n) = value, let whole = Int(exactly: n) else {
                throw ConfigurationError("\(file.source("flapping.threshold").description): must be a whole number, e.g. 3")
            }
            threshold = try SettingLimits.flapThreshold.check(whole, from: file.source("flapping.threshold"))
        } else {
            threshold = defaults.threshold
        }
        let window = try duration(flapWindow, flag: "--flap-window", key: "window", in: section, file: file, setting: SettingLimits.flapWindow)
            ?? defaults.window
        let settle = try duration(flapSettle, flag: "--flap-settle", key: "settle", in: section, file: file, setting: SettingLimits.flapSettle)
            ?? defaults.settle
        return FlapPolicy(threshold: threshold, window: window, settle: settle)
    }

    private func duration(
        _ flagValue: String?, flag: String, key: String, in section: [String: JSONValue], file: OperatorConfigFile,
        setting: DurationSetting
    ) throws -> Duration? {
        if let flagValue { return try setting.parse(flagValue, from: .flag(flag)) }
        guard let value = section[key] else { return nil }
        guard let text = value.stringValue else {
            throw ConfigurationError("\(file.source("flapping.\(key)").description): must be a duration with its unit, e.g. 5m or 300s")
        }
        return try setting.parse(text, from: file.source("flapping.\(key)"))
    }
}
