import Foundation
import NIOSSL
import OperatorTestSupport
import Testing

@testable import OperatorHTTP

/// A server certificate's dates, read when verification failed, name the fix: renew (expired) or check the
/// clocks (not yet valid). OpenSSL 3.0 cannot issue a certificate that starts in the future, so the
/// not-yet-valid case reads a real certificate at a moment before its notBefore.
@Suite("certificate dates", .enabled(if: TestCertificates.installed))
struct CertificateDatesTests {
    @Test func expiredAndNotYetValidAreToldApartAndAValidOneIsNeither() async throws {
        let certs = try await TestCertificates.make()
        defer { certs.directory.remove() }
        let good = try NIOSSLCertificate.fromPEMFile(certs.serverCert)[0]
        let expired = try NIOSSLCertificate.fromPEMFile(certs.expiredServerCert)[0]
        let notBefore = Date(timeIntervalSince1970: TimeInterval(good.notValidBefore))

        #expect(CertificateDates.problem(good) == nil)
        let early = try #require(CertificateDates.problem(good, now: notBefore.addingTimeInterval(-86_400)))
        #expect(early.contains("not valid before \(CertificateDates.format(notBefore))"), "\(early)")
        #expect(early.contains("clock"), "\(early)")
        let late = try #require(CertificateDates.problem(expired))
        #expect(late.contains("expired on "), "\(late)")
        #expect(!late.contains("not valid before"))
    }
}
