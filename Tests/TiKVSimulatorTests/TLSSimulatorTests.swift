import AsyncHTTPClient
import Foundation
import OperatorCore
import OperatorHTTP
import OperatorTestSupport
import SubjectTiKV
import Testing
@testable import TiKVSimulator

/// A TLS TiKV cluster (TiUP `enable_tls`): the simulator serves PD and every status port over https and
/// requires client certificates; the TiKV subject observes it with the cluster's TLS settings, including
/// the status addresses PD reports bare, and keeps working when the client certificate rotates on disk.
@Suite("TiKV subject against the simulator over mutual TLS", .enabled(if: TestCertificates.installed, "needs openssl"))
struct TLSSimulatorTests {
    @Test func observesOverMutualTLSAcrossARotation() async throws {
        let certs = try await TestCertificates.make()
        defer { certs.directory.remove() }
        var configuration = TiKVSimulatorConfiguration()
        configuration.tls = SimulatorTLS(certFile: certs.serverCert, keyFile: certs.serverKey, clientCAFile: certs.caFile)
        let live = (cert: certs.directory.file("live.pem"), key: certs.directory.file("live-key.pem"))
        func install(_ cert: String, _ key: String) throws { try TestCertificates.rotate(cert: cert, key: key, into: live) }
        try install(certs.clientCert, certs.clientKey)
        let source = TLSConfigurationSource(settings: TLSFileSettings(caFile: certs.caFile, certFile: live.cert, keyFile: live.key))
        try await withSimulator(configuration) { _, endpoints in
            #expect(endpoints.pd.hasPrefix("https://"))
            try await HTTPSecurityScope.$current.withValue(HTTPSecurityScope(clusterTLS: source)) {
                let subject = try FieldPatternTests.subject(endpoints)
                let first = try await subject.check()
                #expect(first.violations.isEmpty, "\(first.violations.map(\.message))")
                #expect(first.snapshot.storesError == nil)
                // Every store's status page was read over TLS: none is missing metrics for want of a handshake.
                #expect(first.failedSources.isEmpty, "\(first.failedSources) \(first.skipped)")

                try install(certs.secondClientCert, certs.secondClientKey)
                let second = try await subject.check()
                #expect(second.violations.isEmpty, "\(second.violations.map(\.message))")
                #expect(second.failedSources.isEmpty, "\(second.failedSources)")
                #expect(source.loadCount == 2, "the rotated files were read again")
            }
            // Without the client certificate the simulator refuses the handshake, and observation says so.
            let noCert = HTTPSecurityScope(clusterTLS: TLSConfigurationSource(settings: TLSFileSettings(caFile: certs.caFile)))
            let refused = await HTTPSecurityScope.$current.withValue(noCert) { () async -> String in
                do {
                    let evaluation = try await FieldPatternTests.subject(endpoints).check()
                    return "\(evaluation.snapshot.storesError ?? "") \(evaluation.failedSources)"
                } catch {
                    return "\(error)"
                }
            }
            #expect(refused.contains("requires a client certificate"), "\(refused)")
        }
    }

    /// A client certificate the cluster refuses makes the monitor open `observation-failed`, whose message
    /// says why; rotating a good certificate into place on disk clears it, with no restart.
    @Test func monitorTicketOpensOnARefusedCertificateAndClearsAfterRotation() async throws {
        let certs = try await TestCertificates.make()
        defer { certs.directory.remove() }
        var configuration = TiKVSimulatorConfiguration()
        configuration.tls = SimulatorTLS(certFile: certs.serverCert, keyFile: certs.serverKey, clientCAFile: certs.caFile)
        let live = (cert: certs.directory.file("live.pem"), key: certs.directory.file("live-key.pem"))
        func install(_ cert: String, _ key: String) throws { try TestCertificates.rotate(cert: cert, key: key, into: live) }
        // Issued by a CA the cluster does not trust.
        try install(certs.wrongCAClientCert, certs.wrongCAClientKey)
        let scope = HTTPSecurityScope(clusterTLS: TLSConfigurationSource(
            settings: TLSFileSettings(caFile: certs.caFile, certFile: live.cert, keyFile: live.key)))
        let store = try SQLiteTicketStore(path: certs.directory.file("tickets.db"))
        try await withSimulator(configuration) { _, endpoints in
            try await HTTPSecurityScope.$current.withValue(scope) {
                let monitor = MonitorService(
                    subject: try FieldPatternTests.subject(endpoints), store: store,
                    configuration: MonitorConfiguration(interval: .milliseconds(200), maxBackoff: .milliseconds(400)))
                // Started inside the scope: the monitor's task inherits the cluster's TLS settings.
                let running = Task { try await monitor.run() }
                defer { running.cancel() }
                func failedTicket() async throws -> Ticket? {
                    try await store.tickets(TicketFilter(statuses: [.created, .diagnosed]))
                        .first { $0.invariant == ObservationFailure.invariantID }
                }
                let deadline = ContinuousClock.now + .seconds(120)
                var opened: Ticket?
                while opened == nil, ContinuousClock.now < deadline {
                    opened = try await failedTicket()
                    if opened == nil { try await Task.sleep(for: .milliseconds(100)) }
                }
                let ticket = try #require(opened, "observation-failed never opened")
                #expect(ticket.message.contains("refused the client certificate in cert_file \(live.cert)"), "\(ticket.message)")

                try install(certs.clientCert, certs.clientKey)
                var cleared = false
                while !cleared, ContinuousClock.now < deadline + .seconds(60) {
                    cleared = try await failedTicket() == nil
                    if !cleared { try await Task.sleep(for: .milliseconds(100)) }
                }
                #expect(cleared, "observation-failed still open after the good certificate was rotated in")
            }
        }
    }
}
