import Foundation
import OperatorConfiguration
import Testing

@Suite("operator.yaml: diagnosis limits for model calls")
struct ModelCallLimitsTests {
    @Test func theDiagnosisSectionSetsEveryLimit() throws {
        let file = try OperatorConfigFile.parse(
            """
            diagnosis:
              diagnoser: openai
              max_tokens: 1024
              request_timeout: 45s
              context_tokens: 3000
              retries: 0
              openai: { model: gemma3-270m }
            """, path: "operator.yaml")
        #expect(try file.modelCallLimits() == ModelCallLimits(maxTokens: 1024, requestTimeout: .seconds(45), contextTokens: 3000, retries: 0))
        #expect(try OperatorConfigFile.parse("subject: tikv", path: "operator.yaml").modelCallLimits() == .defaults)
    }

    @Test(arguments: [
        ("max_tokens: 10", "\"diagnosis.max_tokens\" in config file operator.yaml: 10 is out of range for diagnosis.max_tokens; allowed 256…65536"),
        ("max_tokens: 1.5", "1.5 is not a whole number; diagnosis.max_tokens must be 256…65536"),
        ("request_timeout: 0s", "out of range for diagnosis.request_timeout"),
        ("request_timeout: 30", "diagnosis.request_timeout"),
        ("context_tokens: 100", "out of range for diagnosis.context_tokens; allowed 500…1000000"),
        ("retries: 11", "out of range for diagnosis.retries; allowed 0…10"),
        ("max_token: 2048", "unknown setting \"diagnosis.max_token\""),
    ])
    func aBadLimitFailsAtLoadNamingTheSettingAndTheRange(line: String, message: String) {
        #expect {
            _ = try OperatorConfigFile.parse("diagnosis:\n  \(line)\n", path: "operator.yaml")
        } throws: { error in
            "\(error)".contains(message)
        }
    }
}
