/// A model diagnoser's error that still cost tokens (a reply cut at `max_tokens` was generated and paid
/// for), so whoever counts the cost (`operator eval`) counts them too.
public protocol ModelUsageReporting: Error {
    /// Prompt tokens of every round of the failed diagnosis, as the server reported them.
    var spentInputTokens: Int { get }
    /// Output tokens of every round, as the server reported them.
    var spentOutputTokens: Int { get }
}
