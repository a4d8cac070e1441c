import Crypto
import Foundation

/// `X-Operator-Signature: sha256=<hex>`: HMAC-SHA256 of the exact body bytes under the shared secret, so a
/// receiver can check the sender and that the body was not changed (GitHub's webhook convention).
public enum WebhookSignature {
    public static let header = "X-Operator-Signature"

    public static func sign(_ body: Data, secret: Data) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: secret))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    /// Constant-time check of a received header against the body.
    public static func verify(_ header: String, body: Data, secret: Data) -> Bool {
        guard header.hasPrefix("sha256="), let given = hexBytes(header.dropFirst("sha256=".count)) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(given, authenticating: body, using: SymmetricKey(data: secret))
    }

    private static func hexBytes(_ text: Substring) -> [UInt8]? {
        guard text.count == 64 else { return nil }
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}
