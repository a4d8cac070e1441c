/// One sentence of a diagnosis that states a fact, tied to the context evidence it comes from.
///
/// A diagnosis may only state what its evidence shows, at the time it is made: every claim cites the ids of
/// context evidence items (`s3` a signal, `m1` a metric window, `l4` a log event, `t12` ticket #12), and
/// its ``facts`` say what values it relies on, so ``ClaimCheck`` can compare them with the context.
public struct Claim: Sendable, Codable, Equatable {
    public var text: String
    /// Evidence ids this sentence rests on.
    public var evidence: [String]
    /// What the sentence asserts about those items, in a form a checker can compare.
    public var facts: [Fact]

    public init(_ text: String, evidence: [String], facts: [Fact] = []) {
        self.text = text
        self.evidence = evidence
        self.facts = facts
    }

    /// A sentence resting on several signals, asserting each one's value.
    public static func from(_ signals: [Signal], _ text: String) -> Claim {
        let cited = signals.compactMap(\.id)
        let facts = signals.compactMap { s in s.id.map { Fact(evidence: $0, equals: s.value) } }
        return Claim(text, evidence: cited, facts: facts)
    }

    enum CodingKeys: String, CodingKey {
        case text, evidence, facts
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        text = try c.decode(String.self, forKey: .text)
        evidence = try c.decodeIfPresent([String].self, forKey: .evidence) ?? []
        facts = try c.decodeIfPresent([Fact].self, forKey: .facts) ?? []
    }
}

/// What a claim asserts about one evidence item: its value equals something, or a number lies in a range.
/// For a metric window the range applies to every finite point (`at_least` ≤ point ≤ `at_most`) unless
/// `aggregate` names `last`, `max` or `min`.
public struct Fact: Sendable, Codable, Equatable {
    public var evidence: String
    public var equals: JSONValue?
    public var atLeast: Double?
    public var atMost: Double?
    public var aggregate: String?

    public init(evidence: String, equals: JSONValue? = nil, atLeast: Double? = nil, atMost: Double? = nil, aggregate: String? = nil) {
        self.evidence = evidence
        self.equals = equals
        self.atLeast = atLeast
        self.atMost = atMost
        self.aggregate = aggregate
    }

    enum CodingKeys: String, CodingKey {
        case evidence, equals, aggregate
        case atLeast = "at_least"
        case atMost = "at_most"
    }
}

/// A claim the context does not support: an unknown evidence id, a value the context contradicts, or a
/// sentence that cites nothing.
public struct ClaimProblem: Sendable, Codable, Equatable, CustomStringConvertible {
    public var claim: String
    public var problem: String

    public init(claim: String, problem: String) {
        self.claim = claim
        self.problem = problem
    }

    public var description: String { "\"\(claim)\": \(problem)" }
}
