import Foundation
import OperatorCore

/// What a model provider charges, in US dollars per million tokens read and written, from
/// `diagnosis.price_per_mtok` in operator.yaml; the eval and the benchmark turn token counts into cost.
///
/// ```yaml
/// diagnosis:
///   price_per_mtok: { input: 3, output: 15 }   # Claude Sonnet 4.5's published prices
/// ```
public struct ModelPrice: Sendable, Equatable, Encodable {
    public var inputPerMTok: Double
    public var outputPerMTok: Double

    public init(inputPerMTok: Double, outputPerMTok: Double) {
        self.inputPerMTok = inputPerMTok
        self.outputPerMTok = outputPerMTok
    }

    /// US dollars for these token counts.
    public func cost(inputTokens: Int, outputTokens: Int) -> Double {
        (Double(inputTokens) * inputPerMTok + Double(outputTokens) * outputPerMTok) / 1_000_000
    }

    enum CodingKeys: String, CodingKey {
        case inputPerMTok = "input"
        case outputPerMTok = "output"
    }

    /// A price per million tokens above this is a typo (the dearest published model is well below it).
    public static let range: ClosedRange<Double> = 0...1_000
    public static let keys = ["input", "output"]
}

extension OperatorConfigFile {
    /// `diagnosis.price_per_mtok`, when set: both prices, each a number in `ModelPrice.range`.
    public func modelPrice() throws(ConfigurationError) -> ModelPrice? {
        guard let value = try section("diagnosis")["price_per_mtok"] else { return nil }
        let name = "diagnosis.price_per_mtok"
        let src = source(name)
        guard let object = value.objectValue else {
            throw ConfigurationError("\(src.description): \(name) must be a mapping such as { input: 3, output: 15 } (US dollars per million tokens)")
        }
        if let unknown = object.keys.filter({ !ModelPrice.keys.contains($0) }).sorted().first {
            throw ConfigurationError("\(src.description): unknown setting \"\(name).\(unknown)\"; known: \(name).input, \(name).output")
        }
        func price(_ key: String) throws(ConfigurationError) -> Double {
            let range = "\(NumberText.decimal(ModelPrice.range.lowerBound))…\(NumberText.decimal(ModelPrice.range.upperBound))"
            guard let v = object[key] else {
                throw ConfigurationError("\(src.description): \(name).\(key) is missing; give both input and output, in US dollars per million tokens")
            }
            let number: Double? = v.doubleValue ?? v.stringValue.flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard let n = number, n.isFinite else {
                throw ConfigurationError("\(src.description): \(name).\(key) must be a number of US dollars per million tokens, \(range)")
            }
            guard ModelPrice.range.contains(n) else {
                throw ConfigurationError("\(src.description): \(NumberText.decimal(n)) is out of range for \(name).\(key); allowed \(range)")
            }
            return n
        }
        return ModelPrice(inputPerMTok: try price("input"), outputPerMTok: try price("output"))
    }
}
