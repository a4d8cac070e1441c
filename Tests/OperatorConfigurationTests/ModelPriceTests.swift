import Foundation
import OperatorConfiguration
import Testing

@Suite("operator.yaml: diagnosis.price_per_mtok")
struct ModelPriceTests {
    @Test func thePriceTurnsTokensIntoDollars() throws {
        let file = try OperatorConfigFile.parse("diagnosis:\n  price_per_mtok: { input: 3, output: 15 }\n", path: "operator.yaml")
        let price = try #require(try file.modelPrice())
        #expect(price == ModelPrice(inputPerMTok: 3, outputPerMTok: 15))
        // 4,000 tokens read and 800 written at Claude Sonnet 4.5's prices: 0.012 + 0.012 dollars.
        #expect(abs(price.cost(inputTokens: 4000, outputTokens: 800) - 0.024) < 1e-12)
        #expect(try OperatorConfigFile.parse("diagnosis: { diagnoser: offline }", path: "operator.yaml").modelPrice() == nil)
    }

    @Test(arguments: [
        ("price_per_mtok: 3", "must be a mapping such as { input: 3, output: 15 }"),
        ("price_per_mtok: { input: 3 }", "diagnosis.price_per_mtok.output is missing"),
        ("price_per_mtok: { input: 3, output: 15, cached: 0.3 }", "unknown setting \"diagnosis.price_per_mtok.cached\""),
        ("price_per_mtok: { input: -1, output: 15 }", "-1 is out of range for diagnosis.price_per_mtok.input; allowed 0…1000"),
        ("price_per_mtok: { input: 3, output: cheap }", "diagnosis.price_per_mtok.output must be a number of US dollars per million tokens"),
        ("price_per_mtok: { input: 3, output: 15000 }", "15000 is out of range for diagnosis.price_per_mtok.output"),
    ])
    func aBadPriceFailsAtLoadNamingTheSetting(line: String, message: String) {
        #expect {
            _ = try OperatorConfigFile.parse("diagnosis:\n  \(line)\n", path: "operator.yaml")
        } throws: { error in
            "\(error)".contains(message) && "\(error)".contains("operator.yaml")
        }
    }
}
