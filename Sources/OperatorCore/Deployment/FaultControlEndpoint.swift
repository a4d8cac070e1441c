/// Where a running cluster injects faults into itself when asked: a simulator, or a member with a
/// failpoint API. A deployment POSTs `{"kind": "...", "entity": "kind:id"}` as JSON to `injectURL` or
/// `liftURL`; any 2xx answer means done, anything else fails with the answer's text. Declared by the
/// subject's recipe, so a recipe adds fault kinds without a core or backend edit.
public struct FaultControlEndpoint: Sendable, Codable, Equatable {
    public var injectURL: String
    public var liftURL: String
    public var offers: [FaultOffer]
    /// Deployment fault kinds the control knows by another name (`kill` → `store-down`), so
    /// `operator chaos kill store:2` works the same on a simulator as on processes.
    public var aliases: [String: String]

    public init(injectURL: String, liftURL: String, offers: [FaultOffer], aliases: [String: String] = [:]) {
        self.injectURL = injectURL
        self.liftURL = liftURL
        self.offers = offers
        self.aliases = aliases
    }

    /// The kind the control understands for `kind`.
    public func controlKind(for kind: String) -> String { aliases[kind] ?? kind }

    enum CodingKeys: String, CodingKey {
        case offers, aliases
        case injectURL = "inject_url"
        case liftURL = "lift_url"
    }
}
