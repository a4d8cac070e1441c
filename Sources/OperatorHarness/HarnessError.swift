/// Why the harness could not run: a bad scenario (usage: the file needs fixing) or a run that failed.
public struct HarnessError: Error, CustomStringConvertible, Sendable {
    public var description: String
    /// The input is wrong (a scenario file, a directory): the caller's fix, exit status 2 in the CLI.
    public var isUsage: Bool

    public init(_ description: String, usage: Bool = false) {
        self.description = description
        self.isUsage = usage
    }
}
