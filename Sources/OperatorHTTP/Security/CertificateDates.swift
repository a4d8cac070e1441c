import Foundation
import NIOSSL

/// A server certificate's validity dates, read when verification failed: an expired or not-yet-valid
/// certificate is a different fix (renew it, or correct a clock) from one signed by another CA.
enum CertificateDates {
    /// The words for a certificate that is not valid at `now`, or nil when its dates are fine.
    static func problem(_ certificate: NIOSSLCertificate, now: Date = Date()) -> String? {
        let notBefore = Date(timeIntervalSince1970: TimeInterval(certificate.notValidBefore))
        let notAfter = Date(timeIntervalSince1970: TimeInterval(certificate.notValidAfter))
        if now > notAfter {
            return "TLS: the server's certificate expired on \(format(notAfter)) (it is \(format(now)) here); renew the server's certificate (openssl x509 -noout -dates shows its dates), or correct this machine's clock if it is ahead"
        }
        if now < notBefore {
            return "TLS: the server's certificate is not valid before \(format(notBefore)) (it is \(format(now)) here); check this machine's clock (NTP) and the server's, or reissue the certificate with a start date in the past"
        }
        return nil
    }

    static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}
