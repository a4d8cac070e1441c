/// Fails the test instead of hanging when `body` does not return within `limit` (not a timing assertion).
public func withHangGuard<T: Sendable>(
    limit: Duration = .seconds(60), _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw HangGuardTripped(limit: limit) }
        return value
    }
}

public struct HangGuardTripped: Error, CustomStringConvertible {
    public let limit: Duration
    public var description: String { "did not return within the \(limit) hang guard" }
}
