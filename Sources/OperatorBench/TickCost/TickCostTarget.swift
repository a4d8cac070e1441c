/// Issue 16's bounds on a tick, on 2 cores: at 100 stores healthy tick p50 ≤ 50 ms, CPU ≤ 20 ms per tick,
/// ≤ 1 MB read per tick, RSS ≤ 40 MB; one store down ≤ 5 MB read per tick (averaged over the measured
/// ticks); at 500 stores the same bounds × 3. Each is met or states how far off it is (measured / bound).
struct TickCostTarget: Encodable, Sendable {
    var stores: Int
    var scenario: TickCostBenchmark.Scenario
    var metric: String
    var bound: Double
    var measured: Double?
    var unit: String

    /// measured / bound: ≤ 1 is met.
    var ratio: Double? { BenchFormat.ratioValue(measured, bound) }
    var met: Bool { (ratio ?? .infinity) <= 1 }

    enum CodingKeys: String, CodingKey {
        case stores, scenario, metric, bound, measured, unit, ratio, met
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(stores, forKey: .stores)
        try c.encode(scenario, forKey: .scenario)
        try c.encode(metric, forKey: .metric)
        try c.encode(bound, forKey: .bound)
        try c.encode(measured, forKey: .measured)
        try c.encode(unit, forKey: .unit)
        try c.encode(ratio, forKey: .ratio)
        try c.encode(met, forKey: .met)
    }

    var summary: String {
        let verdict = met ? "met" : "not met, \(BenchFormat.ratio(ratio, 1)) the bound"
        return "\(stores) stores \(scenario.rawValue) \(metric) ≤ \(Self.format(bound, unit)): \(Self.format(measured, unit)) (\(verdict))"
    }

    static func format(_ value: Double?, _ unit: String) -> String {
        guard let value else { return "-" }
        switch unit {
        case "seconds": return BenchFormat.duration(value)
        case "bytes": return BenchFormat.number(value / 1_000_000, digits: 2) + " MB"
        default: return BenchFormat.number(value)
        }
    }

    /// The bounds for the sizes measured (100 stores: ×1, 500 stores: ×3; other sizes have none).
    static func evaluate(_ results: [TickCostReport.Result]) -> [TickCostTarget] {
        var targets: [TickCostTarget] = []
        for result in results {
            let scale: Double
            switch result.size.stores {
            case 100: scale = 1
            case 500: scale = 3
            default: continue
            }
            func add(_ metric: String, _ bound: Double, _ measured: Double?, _ unit: String) {
                targets.append(TickCostTarget(stores: result.size.stores, scenario: result.scenario, metric: metric, bound: bound * scale, measured: measured, unit: unit))
            }
            switch result.scenario {
            case .healthy:
                add("tick p50", 0.050, result.tick.p50, "seconds")
                add("CPU per tick (mean)", 0.020, result.cpu.mean, "seconds")
                add("read per tick", 1_000_000, result.bytesPerTick, "bytes")
                add("RSS peak", 40_000_000, Double(result.rssPeakBytes), "bytes")
            case .oneStoreDown:
                add("read per tick (mean)", 5_000_000, result.bytesPerTick, "bytes")
            }
        }
        return targets
    }
}
