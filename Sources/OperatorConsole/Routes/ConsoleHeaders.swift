import Foundation
import HTTPTypes

/// Headers of every console page. The Content-Security-Policy lets only the page's own inline script and
/// style run (by a per-response nonce): should anything from a cluster or a model ever slip past the
/// templates' escaping, a planted `<script>` or `onerror=` still would not execute.
enum ConsoleHeaders {
    static func html(nonce: String) -> HTTPFields {
        var fields = HTTPFields()
        fields[.contentType] = "text/html; charset=utf-8"
        fields[.cacheControl] = "no-store"
        fields[.contentSecurityPolicy] =
            "default-src 'none'; script-src 'nonce-\(nonce)'; style-src 'nonce-\(nonce)'; connect-src 'self'; "
            + "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        fields[.xContentTypeOptions] = "nosniff"
        if let referrer = HTTPField.Name("Referrer-Policy") { fields[referrer] = "no-referrer" }
        return fields
    }

    /// 128 random bits, base64: a CSP nonce must not be guessable.
    static func nonce() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString()
    }
}
