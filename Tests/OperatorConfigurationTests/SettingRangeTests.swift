import OperatorConfiguration
import OperatorCore
import Testing

@Suite("Setting ranges: flags, environment and operator.yaml held to the same bounds")
struct SettingRangeTests {
    static func fileError(_ yaml: String) -> String? {
        do throws(ConfigurationError) {
            _ = try OperatorConfigFile.parse(yaml, path: "op.yaml")
            return nil
        } catch {
            return error.message
        }
    }

    @Test("Out-of-range and nonsense values in operator.yaml fail at load, naming setting, value and range")
    func fileValuesAreChecked() throws {
        let cases: [(String, [String])] = [
            ("resolve_after: -3", ["resolve_after", "-3", "1…10000", "op.yaml"]),
            ("resolve_after: 0", ["resolve_after", "0", "1…10000"]),
            ("resolve_after: 1e300", ["resolve_after", "whole number"]),
            // YAML 1.1 base-60: Yams's own constructor overflows (traps) on this one.
            ("resolve_after: 1:0:0:0:0:0:0:0:0:0:0:0:0", ["resolve_after", "whole number"]),
            ("metrics_port: 99999", ["metrics_port", "99999", "1…65535"]),
            ("interval: 0s", ["interval", "0s", "100ms…24h"]),
            ("interval: 2562048h", ["interval", "2562048h", "100ms…24h"]),
            ("interval: -5s", ["interval", "-5s"]),
            ("tick_timeout: 999999999999h", ["tick_timeout", "999999999999h"]),
            ("interval: soon", ["interval", "invalid duration \"soon\""]),
            ("endpoints: [http://pd0:99999]", ["endpoints", "pd0:99999", "1…65535"]),
            ("prometheus: ftp://prom:9090", ["prometheus", "http(s)"]),
        ]
        for (yaml, words) in cases {
            let message = try #require(Self.fileError(yaml), "accepted: \(yaml)")
            for word in words { #expect(message.contains(word), "\(yaml): \(message)") }
        }
        // Huge numbers where strings are expected are text, not a trap.
        #expect(Self.fileError("db: 1e300") == nil)
        #expect(try OperatorConfigFile.parse("db: 12", path: "x").string("db") == "12")
    }

    @Test("Flags use the same checks, naming the flag")
    func flagValuesAreChecked() throws {
        #expect(throws: ConfigurationError.self) { try SettingLimits.requestTimeout.parse("0s", from: .flag("--request-timeout")) }
        do throws(ConfigurationError) {
            _ = try SettingLimits.requestTimeout.parse("999999999999h", from: .flag("--request-timeout"))
            Issue.record("accepted")
        } catch {
            #expect(error.message.hasPrefix("--request-timeout: 999999999999h is out of range"), "\(error.message)")
        }
        do throws(ConfigurationError) {
            _ = try SettingLimits.resolveAfter.check(0, from: .flag("--resolve-after"))
            Issue.record("accepted")
        } catch {
            #expect(error.message == "--resolve-after: 0 is out of range for resolve_after; allowed 1…10000")
        }
        #expect(try SettingLimits.interval.parse("500ms", from: .flag("--interval")) == .milliseconds(500))
        #expect(try SettingLimits.requestTimeout.parse("1h", from: .flag("--request-timeout")) == .seconds(3600))
    }
}

@Suite("Endpoint URLs: validated once, userinfo split off")
struct EndpointURLTests {
    @Test("Ports outside 1…65535 are refused, naming where the URL came from")
    func badPorts() throws {
        for text in ["http://127.0.0.1:99999", "127.0.0.1:0", "http://h:", "http://h:12a", "http://h:999999999999999999999"] {
            do throws(ConfigurationError) {
                _ = try EndpointURL.parse(text, from: .environment("PD_ENDPOINT"))
                Issue.record("accepted \(text)")
            } catch {
                #expect(error.message.hasPrefix("environment variable PD_ENDPOINT: "), "\(error.message)")
            }
        }
    }

    @Test("host:port gains http://; paths survive; trailing slashes go")
    func normalization() throws {
        #expect(try EndpointURL.parse("pd0:2379", from: .flag("--endpoints")).url == "http://pd0:2379")
        #expect(try EndpointURL.parse("https://api.example.com/v1/", from: .flag("--base-url")).url == "https://api.example.com/v1")
        #expect(try EndpointURL.parse("http://[::1]:2379", from: .flag("--endpoints")).url == "http://[::1]:2379")
        #expect(throws: ConfigurationError.self) { try EndpointURL.parse("ftp://h:21", from: .flag("--endpoints")) }
        #expect(throws: ConfigurationError.self) { try EndpointURL.parse("http://:80", from: .flag("--endpoints")) }
    }

    @Test("userinfo leaves the URL and is kept apart; errors never echo it")
    func credentialsAreSplitOff() throws {
        let parsed = try EndpointURL.parse("http://admin:hunter2@pd0:2379/", from: .flag("--endpoints"))
        #expect(parsed.url == "http://pd0:2379")
        #expect(parsed.credentials == .init(username: "admin", password: "hunter2"))
        let encoded = try EndpointURL.parse("http://a%40b:p%3Aw@pd0:2379", from: .flag("--endpoints"))
        #expect(encoded.credentials == .init(username: "a@b", password: "p:w"))
        do throws(ConfigurationError) {
            _ = try EndpointURL.parse("http://admin:hunter2@pd0:99999", from: .flag("--endpoints"))
            Issue.record("accepted")
        } catch {
            #expect(!error.message.contains("hunter2") && !error.message.contains("admin"), "\(error.message)")
            #expect(error.message.contains("pd0:99999"))
        }
    }
}
