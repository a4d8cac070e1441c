import Foundation

/// Keeps a diagnosis context under a token budget (default 8k), cutting the least informative parts
/// first and saying what was cut. Tokens are estimated as JSON bytes / 4.
public struct ContextBudget: Sendable {
    public var maxTokens: Int

    public init(maxTokens: Int = 8000) {
        self.maxTokens = max(500, maxTokens)
    }

    public static func estimatedTokens(of context: DiagnosisContext) -> Int {
        estimatedTokens(jsonBytes: (try? JSONEncoder.operatorEncoder.encode(context).count) ?? 0)
    }

    /// The estimate from the context's JSON size alone (a stored context need not be decoded to be sized).
    public static func estimatedTokens(jsonBytes: Int) -> Int { jsonBytes / 4 }

    public func fit(_ input: DiagnosisContext) -> DiagnosisContext {
        var c = input
        var steps: [(String, (inout DiagnosisContext) -> Bool)] = []
        // Each step cuts deeper; they run in order until the context fits.
        for keep in [60, 25, 10, 3] {
            steps.append(("log events beyond the latest \(keep)", { $0.keepLatestLogEvents(keep) }))
        }
        for points in [40, 15, 5] {
            steps.append(("metric windows downsampled to \(points) points", { $0.downsampleMetrics(to: points) }))
        }
        steps.append(("other open tickets beyond 10", { $0.keepOtherTickets(10) }))
        steps.append(("ticket excerpts shortened to 600 characters", { $0.shortenExcerpts(to: 600) }))
        steps.append(("signals beyond 120", { $0.keepSignals(120) }))
        steps.append(("topology shortened to 2000 characters", { $0.shortenTopology(to: 2000) }))
        steps.append(("metric windows beyond 12", { $0.keepMetricWindows(12) }))
        steps.append(("signals beyond 40", { $0.keepSignals(40) }))
        steps.append(("ticket excerpts shortened to 200 characters", { $0.shortenExcerpts(to: 200) }))
        steps.append(("other open tickets beyond 3", { $0.keepOtherTickets(3) }))

        for (description, cut) in steps {
            guard Self.estimatedTokens(of: c) > maxTokens else { break }
            if cut(&c) { c.truncations.append(description) }
        }
        return c
    }
}

extension DiagnosisContext {
    fileprivate mutating func keepLatestLogEvents(_ n: Int) -> Bool {
        guard evidence.logEvents.count > n else { return false }
        // Latest first matters most; events without time sort oldest.
        let sorted = evidence.logEvents.enumerated().sorted {
            ($0.element.time ?? .distantPast, $0.offset) < ($1.element.time ?? .distantPast, $1.offset)
        }
        evidence.logEvents = sorted.suffix(n).map(\.element)
        return true
    }

    fileprivate mutating func downsampleMetrics(to points: Int) -> Bool {
        var changed = false
        evidence.metrics = evidence.metrics.map { w in
            guard w.points.count > points else { return w }
            changed = true
            var w = w
            let stride = Double(w.points.count - 1) / Double(points - 1)
            w.points = (0..<points).map { w.points[Int((Double($0) * stride).rounded())] }
            return w
        }
        return changed
    }

    fileprivate mutating func keepMetricWindows(_ n: Int) -> Bool {
        guard evidence.metrics.count > n else { return false }
        evidence.metrics = Array(evidence.metrics.prefix(n))
        return true
    }

    fileprivate mutating func keepOtherTickets(_ n: Int) -> Bool {
        guard otherOpenTickets.count > n else { return false }
        otherOpenTickets = Array(otherOpenTickets.sorted { $0.severity > $1.severity }.prefix(n))
        return true
    }

    fileprivate mutating func keepSignals(_ n: Int) -> Bool {
        guard evidence.signals.count > n else { return false }
        // Signals about the incident's entities come first.
        let entities = Set(tickets.map(\.entity))
        let ranked = evidence.signals.enumerated().sorted { a, b in
            let ai = a.element.entity.map(entities.contains) ?? false
            let bi = b.element.entity.map(entities.contains) ?? false
            return ai != bi ? ai : a.offset < b.offset
        }
        evidence.signals = ranked.prefix(n).map(\.element)
        return true
    }

    fileprivate mutating func shortenExcerpts(to chars: Int) -> Bool {
        var changed = false
        func shorten(_ t: inout ContextTicket) {
            let text = t.excerpt.jsonText
            if text.count > chars {
                t.excerpt = .string(String(text.prefix(chars)) + "…")
                changed = true
            }
        }
        for i in tickets.indices { shorten(&tickets[i]) }
        for i in otherOpenTickets.indices { shorten(&otherOpenTickets[i]) }
        return changed
    }

    fileprivate mutating func shortenTopology(to chars: Int) -> Bool {
        let text = evidence.topology.jsonText
        guard text.count > chars else { return false }
        evidence.topology = .string(String(text.prefix(chars)) + "…")
        return true
    }
}
