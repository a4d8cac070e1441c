import Foundation
import OperatorConfiguration
import OperatorHTTP
import Testing

@Suite("operator.yaml: tls and Prometheus credentials")
struct ConnectionSecurityTests {
    static let secured = """
        clusters:
          - name: prod
            subject: tikv
            endpoints: [https://pd0:2379]
            tls: { ca_file: ca.pem, cert_file: client.pem, key_file: /etc/operator/client-key.pem, server_name: pd0 }
            prometheus: { url: https://prom:9090, basic_auth: { username: op, password_file: /run/secrets/prom },
                          tls: { ca_file: ca.pem } }
          - name: lab
            subject: etcd
            endpoints: [https://10.0.0.5:2379]
            tls: { ca_file: certs/ca.pem, insecure_skip_verify: true }
            prometheus: { url: http://prom.lab:9090, bearer_token_file: token }
        """

    func error(_ text: String) -> String? {
        do throws(ConfigurationError) {
            _ = try OperatorConfigFile.parse(text, path: "/etc/operator/operator.yaml")
            return nil
        } catch {
            return error.message
        }
    }

    @Test func theIssueExampleReadsAsWritten() throws {
        let file = try OperatorConfigFile.parse(Self.secured, path: "/etc/operator/operator.yaml")
        let prod = try file.cluster(named: "prod").file
        let tls = try #require(try prod.tlsSettings())
        // Relative paths are the config file's neighbours; absolute ones stay.
        #expect(tls == TLSFileSettings(
            caFile: "/etc/operator/ca.pem", certFile: "/etc/operator/client.pem", keyFile: "/etc/operator/client-key.pem",
            serverName: "pd0"))
        let prometheus = try #require(try prod.prometheusEndpoint())
        #expect(prometheus.url.url == "https://prom:9090")
        #expect(prometheus.authorization == .basic(username: "op", password: .file("/run/secrets/prom")))
        #expect(prometheus.tls == TLSFileSettings(caFile: "/etc/operator/ca.pem"))
        #expect(try file.cluster(named: "prod").prometheus?.url == "https://prom:9090")

        let lab = try file.cluster(named: "lab").file
        #expect(try lab.tlsSettings() == TLSFileSettings(caFile: "/etc/operator/certs/ca.pem", insecureSkipVerify: true))
        #expect(try lab.prometheusEndpoint()?.authorization == .bearer(.file("/etc/operator/token")))
    }

    @Test func aPlainPrometheusURLStillWorks() throws {
        let file = try OperatorConfigFile.parse("subject: etcd\nprometheus: http://prom:9090\n", path: "operator.yaml")
        #expect(try file.prometheusEndpoint()?.url.url == "http://prom:9090")
        #expect(try file.prometheusEndpoint()?.authorization == nil)
        #expect(try file.tlsSettings() == nil)
    }

    @Test func badSettingsAreNamedWithTheFix() {
        let unknownTLS = error("tls: { ca_file: ca.pem, cafile: x }\n")
        #expect(unknownTLS?.contains("unknown setting \"tls.cafile\"") == true, "\(unknownTLS ?? "")")
        #expect(unknownTLS?.contains("ca_file") == true)

        let inEntry = error("""
            clusters:
              - name: prod
                subject: tikv
                endpoints: [https://pd0:2379]
                tls: { cert_file: client.pem }
            """)
        #expect(inEntry?.contains("clusters[prod].tls") == true, "\(inEntry ?? "")")
        #expect(inEntry?.contains("needs both") == true, "\(inEntry ?? "")")

        let twoSecrets = error("prometheus: { url: http://p:9090, basic_auth: { username: op, password: a, password_file: f } }\n")
        #expect(twoSecrets?.contains("sets both password and password_file") == true, "\(twoSecrets ?? "")")
        let noPassword = error("prometheus: { url: http://p:9090, basic_auth: { username: op } }\n")
        #expect(noPassword?.contains("needs password_file") == true, "\(noPassword ?? "")")
        let both = error("prometheus: { url: http://p:9090, basic_auth: { username: op, password_file: f }, bearer_token: t }\n")
        #expect(both?.contains("both basic_auth and a bearer token") == true, "\(both ?? "")")
        let unknownProm = error("prometheus: { url: http://p:9090, token: t }\n")
        #expect(unknownProm?.contains("unknown setting \"prometheus.token\"") == true, "\(unknownProm ?? "")")
        let skip = error("tls: { insecure_skip_verify: yes please }\n")
        #expect(skip?.contains("must be true or false") == true, "\(skip ?? "")")
    }

    /// An inline password is a setting like any other, but it must never show in an error.
    @Test func errorsNeverShowASecret() {
        let message = error("prometheus: { url: \"http://op:hunter2@p:9090\", basic_auth: { username: op, password: hunter2 }, oops: 1 }\n")
        #expect(message != nil)
        #expect(message?.contains("hunter2") == false, "\(message ?? "")")
    }
}
