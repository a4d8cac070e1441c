import Foundation
import OperatorConfiguration
import OperatorServer

/// Where `operator serve` gets its API token: OPERATOR_API_TOKEN, else the file `api_token_file:` in
/// operator.yaml names (so the token itself never sits in the config). The token is never printed.
enum ServeAccess {
    static let environmentVariable = "OPERATOR_API_TOKEN"
    /// A token file is one short line; anything bigger is not one.
    static let maxTokenFileBytes = 4096

    static func token(config: OperatorConfigFile, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> APIToken? {
        if let value = environment[environmentVariable], !value.isEmpty {
            guard let token = APIToken(value) else {
                throw CLIFailure("\(environmentVariable) holds only whitespace; set it to the token, or unset it", exitCode: 2)
            }
            return token
        }
        guard let written = try config.string("api_token_file") else { return nil }
        let path = config.resolvedPath(written)
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        guard let size = (attributes?[.size] as? NSNumber)?.intValue, size <= maxTokenFileBytes,
            let data = FileManager.default.contents(atPath: path)
        else {
            throw CLIFailure(
                "\(config.source("api_token_file").description): cannot read the token file \(path) (or it is over \(maxTokenFileBytes) bytes); point it at a readable file holding the token",
                exitCode: 2)
        }
        guard let token = APIToken(String(decoding: data, as: UTF8.self)) else {
            throw CLIFailure("\(config.source("api_token_file").description): the token file \(path) is empty; write the token into it", exitCode: 2)
        }
        return token
    }
}
