import ArgumentParser
import Foundation
import Logging
import OperatorConfiguration
import OperatorHTTP

/// `--ca-file`, `--cert-file`, `--key-file`: TLS toward the cluster, over operator.yaml's `tls:`.
struct TLSOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "PEM CA bundle that signed the cluster's server certificates (https endpoints); default: tls.ca_file in operator.yaml, else the system's CAs.",
        valueName: "file"))
    var caFile: String?

    @Option(help: ArgumentHelp(
        "PEM client certificate for clusters that require one (mutual TLS); with --key-file. Default: tls.cert_file in operator.yaml.",
        valueName: "file"))
    var certFile: String?

    @Option(help: ArgumentHelp("PEM private key of --cert-file. Default: tls.key_file in operator.yaml.", valueName: "file"))
    var keyFile: String?

    var flagSettings: TLSFileSettings {
        TLSFileSettings(caFile: caFile, certFile: certFile, keyFile: keyFile)
    }

    /// The cluster's security scope: the flags over operator.yaml's `tls:`, and the Prometheus server's own
    /// credentials and TLS. The files are read once here, so a bad file exits 2 naming it before any
    /// request; later they are re-read whenever they change.
    func scope(
        clusterTLS fileTLS: TLSFileSettings?, endpoints: [EndpointURL], prometheusURL: EndpointURL?, prometheus: PrometheusEndpoint?,
        logger: Logger
    ) throws -> HTTPSecurityScope {
        let merged = (fileTLS ?? TLSFileSettings()).overridden(by: flagSettings)
        // server_name is what the servers' certificates are checked against (and the SNI sent) while the
        // connection goes to each URL's address; an IP would be checked against the connected address instead.
        if let serverName = merged.serverName, serverName.contains(":") || serverName.allSatisfy({ $0.isNumber || $0 == "." }) {
            throw CLIFailure(
                "tls.server_name \(serverName) is an IP address; server_name is the DNS name the servers' certificates are issued for (e.g. pd0). To check an IP, put it in the endpoint URLs and drop server_name",
                exitCode: 2)
        }
        if (merged.certFile == nil) != (merged.keyFile == nil) {
            throw CLIFailure(
                "a client certificate needs both --cert-file and --key-file (or tls.cert_file and tls.key_file); \(merged.certFile == nil ? "--key-file" : "--cert-file") was given alone",
                exitCode: 2)
        }
        let clusterTLS = merged.isEmpty ? nil : TLSConfigurationSource(settings: merged)
        var scope = HTTPSecurityScope(clusterTLS: clusterTLS)
        if let prometheus, let url = prometheusURL, prometheus.tls != nil || prometheus.authorization != nil {
            scope = scope.adding(
                url: url.url,
                HTTPSecurityScope.Origin(
                    tls: prometheus.tls.map { TLSConfigurationSource(settings: $0) } ?? clusterTLS,
                    authorization: prometheus.authorization))
        }
        for source in scope.tlsSources {
            do { _ = try source.configuration() } catch { throw CLIFailure(error.description, exitCode: 2) }
            if source.settings.insecureSkipVerify {
                logger.warning(
                    "INSECURE: tls.insecure_skip_verify is set: server certificates are NOT verified, so anyone on the network path can impersonate the cluster; use ca_file instead")
            }
        }
        return scope
    }
}
