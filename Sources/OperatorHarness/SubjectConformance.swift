import Foundation
import OperatorCore

/// Checks any subject can run from its own test target: the contract the core and the harness rely on,
/// beyond what the compiler checks. Each problem names the subject, the check and what to fix; an empty
/// answer means the subject conforms.
///
/// - invariant ids are unique and stable-looking (`store-down`: lower-case words joined by `-`), since
///   they are part of every ticket's deduplication key;
/// - every invariant gives a verdict or a reason on an empty snapshot (nothing observed);
/// - the knowledge's taxonomy ids are unique, and every rule argues for a category in it;
/// - the log parser classifies garbage lines (never an event with no text, never a crash).
///
/// That `make` does no network I/O is checked by the caller: build the subject with ``checkMake`` against
/// an endpoint that counts requests, and expect none.
public enum SubjectConformance {
    public static func check<S: Subject>(
        _ subject: S, emptySnapshot: S.Snapshot, logParser: (any ClusterLogParser)? = nil, garbageLines: Int = 2_000
    ) -> [String] {
        var problems: [String] = []
        func problem(_ text: String) { problems.append("subject \(subject.name): \(text)") }

        let ids = subject.invariants.map(\.id)
        for id in Set(ids) where ids.filter({ $0 == id }).count > 1 {
            problem("invariant id \"\(id)\" is used by \(ids.filter { $0 == id }.count) invariants; ids deduplicate tickets, make each unique")
        }
        for id in ids where !isStableID(id) {
            problem("invariant id \"\(id)\" does not look stable; use lower-case words joined by '-' (e.g. node-down)")
        }
        for invariant in subject.invariants where invariant.summary.trimmingCharacters(in: .whitespaces).isEmpty {
            problem("invariant \(invariant.id) has no summary")
        }

        for invariant in subject.invariants {
            if let reason = invariant.unavailableReason(in: emptySnapshot) {
                if reason.trimmingCharacters(in: .whitespaces).isEmpty {
                    problem("invariant \(invariant.id) is unavailable on an empty snapshot but gives an empty reason")
                }
                continue
            }
            for violation in invariant.evaluate(emptySnapshot) where violation.message.trimmingCharacters(in: .whitespaces).isEmpty {
                problem("invariant \(invariant.id) reports a violation on \(violation.entity) with no message on an empty snapshot")
            }
        }

        let taxonomy = subject.knowledge.taxonomy.map(\.id)
        for id in Set(taxonomy) where taxonomy.filter({ $0 == id }).count > 1 {
            problem("taxonomy id \"\(id)\" is listed twice")
        }
        for rule in subject.knowledge.rules where !taxonomy.contains(rule.category) {
            problem("a rule argues for category \"\(rule.category)\", which is not in the taxonomy (\(taxonomy.joined(separator: ", ")))")
        }

        if let logParser {
            var generator = GarbageLines(seed: 0x5EED)
            for _ in 0..<max(0, garbageLines) {
                let line = generator.next()
                if case .unparseable(let reason) = logParser.parse(line: Substring(line)),
                    reason.trimmingCharacters(in: .whitespaces).isEmpty
                {
                    problem("the log parser rejects a garbage line with an empty reason: \(line.prefix(80).debugDescription)")
                    break
                }
            }
        }
        return problems
    }

    /// Builds the subject through its registration, as every listing does; the caller checks that
    /// `endpoints` received no request.
    public static func checkMake(_ registration: SubjectRegistration, endpoints: [String]) -> [String] {
        do {
            _ = try registration.make(SubjectConfiguration(endpoints: endpoints))
            return []
        } catch {
            return ["subject \(registration.name): make failed on endpoints \(endpoints.joined(separator: ",")): \(error)"]
        }
    }

    /// `store-down`, `pd-leader-missing`, `quorum-lost`.
    static func isStableID(_ id: String) -> Bool {
        guard let first = id.unicodeScalars.first, ("a"..."z").contains(first), !id.hasSuffix("-"), !id.contains("--") else {
            return false
        }
        return id.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }
}

/// Reproducible junk: random bytes, truncated JSON, bracketed fragments, very long lines.
struct GarbageLines {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    private mutating func nextValue() -> UInt64 {
        // xorshift64*: deterministic, no Foundation randomness, same lines every run.
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 2_685_821_657_736_338_717
    }

    mutating func next() -> String {
        let shapes = [
            "{\"level\":", "[2026/01/01 00:00:00.000 +00:00] [", "{\"ts\":\"", "\u{0}\u{1}\u{7f}", "[INFO] [", "\"msg\":\"",
            "]]]]", "{{{{", "\u{FFFD}", "%s%n%x", "2026-13-45T99:99:99Z",
        ]
        let count = Int(nextValue() % 12)
        var line = ""
        for _ in 0..<count {
            let pick = Int(nextValue() % UInt64(shapes.count + 3))
            if pick < shapes.count {
                line += shapes[pick]
            } else if pick == shapes.count {
                line += String(repeating: "x", count: Int(nextValue() % 5_000))
            } else {
                let scalar = UnicodeScalar(UInt32(nextValue() % 0xD7FF)) ?? "?"
                line.unicodeScalars.append(scalar)
            }
        }
        return line
    }
}
