/// Why a benchmark could not run or finish, and whose fault that is: the input (a size that is not one,
/// a file that is not there), the run itself, or an interruption (SIGINT/SIGTERM; everything started was
/// stopped). The CLI turns the kind into its exit status.
public struct BenchmarkError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable {
        case badInput, failed, interrupted
    }

    public var kind: Kind
    public var description: String

    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }

    public static func badInput(_ description: String) -> BenchmarkError { BenchmarkError(.badInput, description) }
    public static func failed(_ description: String) -> BenchmarkError { BenchmarkError(.failed, description) }
    public static func interrupted(_ description: String) -> BenchmarkError { BenchmarkError(.interrupted, description) }
}
