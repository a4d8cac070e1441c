/// A setting that cannot be used, named with where it came from, what was wrong and how to fix it.
///
/// The CLI reports it in one line and exits 2 (bad usage), whichever source the value came from.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

/// Where a setting's value came from, so an error can name the place to fix it.
public enum SettingSource: Sendable, Equatable {
    /// A command-line flag, e.g. `--interval`.
    case flag(String)
    /// An environment variable, e.g. `PD_ENDPOINT`.
    case environment(String)
    /// A key in a config file.
    case file(path: String, key: String)

    public var description: String {
        switch self {
        case .flag(let name): name
        case .environment(let name): "environment variable \(name)"
        case .file(let path, let key): "\"\(key)\" in config file \(path)"
        }
    }
}
