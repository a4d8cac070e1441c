import DeployLocal
import Foundation
import OperatorCore
import OperatorTestSupport
import Testing

/// The TLS variant of the TiKV stack (Subjects/tikv/tls): the compose overlay as `docker-compose config`
/// reads it over the base file, and its Prometheus configuration as `promtool` reads it with real
/// certificate files in place of the stack's `/certs` volume.
@Suite("TLS variant of the TiKV stack validates")
struct TLSStackFileTests {
    static let base = StackTestSupport.path("Subjects/tikv/docker-compose.yaml")
    static let overlay = StackTestSupport.path("Subjects/tikv/tls/compose.tls.yaml")

    @Test func overlayOnTheBaseStackIsHTTPSEverywhere() async throws {
        let compose = try StackTestSupport.requireTool("docker-compose", package: "docker-compose")
        let arguments = ["-f", Self.base, "-f", Self.overlay, "--profile", "load", "--profile", "operator", "config"]
        let output = try await StackTestSupport.run(compose, arguments)
        try #require(output.succeeded, "docker-compose \(arguments.joined(separator: " ")):\n\(output.transcript)")
        let config = try ComposeConfig.parse(output.standardOutput, source: Self.overlay)
        func command(_ service: String) -> [String] {
            config.services[service]?["command"]?.arrayValue?.compactMap(\.stringValue) ?? []
        }
        for n in 0..<3 {
            let pd = command("pd\(n)")
            #expect(pd.contains("--client-urls=https://0.0.0.0:2379"), "\(pd)")
            #expect(pd.contains("--config=/tls/pd.toml"), "\(pd)")
            #expect(!pd.contains { $0.contains("http://") }, "\(pd)")
            let tikv = command("tikv\(n)")
            #expect(tikv.contains("--pd-endpoints=https://pd0:2379,https://pd1:2379,https://pd2:2379"), "\(tikv)")
            #expect(tikv.contains("--config=/tls/tikv.toml"), "\(tikv)")
            // Health is checked over TLS too, or the stack would wait forever for plain-HTTP answers.
            let health = config.services["tikv\(n)"]?["healthcheck"]?["test"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(health.contains("https://localhost:20180/status"), "\(health)")
        }
        #expect(command("prometheus").contains("--config.file=/etc/prometheus/prometheus-tls.yml"))
        let operatorCommand = command("operator")
        #expect(operatorCommand.contains("--cert-file") && operatorCommand.contains("--ca-file"), "\(operatorCommand)")
        #expect(config.services["certs"] != nil)
        // The `[security]` sections the members are pointed at exist and name the mounted files.
        let pdToml = try String(contentsOfFile: StackTestSupport.path("Subjects/tikv/tls/pd.toml"), encoding: .utf8)
        let tikvToml = try String(contentsOfFile: StackTestSupport.path("Subjects/tikv/tls/tikv.toml"), encoding: .utf8)
        #expect(pdToml.contains("[security]") && pdToml.contains("cacert-path = \"/certs/ca.pem\""))
        #expect(tikvToml.contains("[security]") && tikvToml.contains("ca-path = \"/certs/ca.pem\""))
    }

    @Test(.enabled(if: TestCertificates.installed, "needs openssl"))
    func prometheusScrapesOverTLSWithTheClientCertificate() async throws {
        let promtool = try StackTestSupport.requireTool("promtool", package: "prometheus")
        let certs = try await TestCertificates.make()
        defer { certs.directory.remove() }
        // promtool checks that the TLS files exist: point /certs at files made here, keep rules/ beside it.
        let directory = try StackTestSupport.temporaryDirectory("stack-prometheus-tls")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let source = try String(contentsOfFile: StackTestSupport.path("Subjects/tikv/prometheus/prometheus-tls.yml"), encoding: .utf8)
        #expect(source.contains("scheme: https"))
        let rewritten = source.replacingOccurrences(of: "/certs/", with: certs.directory.path + "/")
        let file = (directory as NSString).appendingPathComponent("prometheus-tls.yml")
        try rewritten.write(toFile: file, atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(
            atPath: StackTestSupport.path("Subjects/tikv/prometheus/rules"), toPath: (directory as NSString).appendingPathComponent("rules"))
        let output = try await StackTestSupport.run(promtool, ["check", "config", file])
        #expect(output.succeeded, "\(output.transcript)")
        // The check can fail: a missing client certificate is refused by name.
        let broken = (directory as NSString).appendingPathComponent("broken.yml")
        try source.write(toFile: broken, atomically: true, encoding: .utf8)
        let refused = try await StackTestSupport.run(promtool, ["check", "config", broken])
        #expect(!refused.succeeded)
        #expect(refused.transcript.contains("/certs/"), "\(refused.transcript)")
    }
}
