import AsyncHTTPClient
import Foundation
import NIOCore
import OperatorHTTP

/// Words for transport errors, so messages say "timed out" rather than a type name.
public enum HTTPErrorText {
    public static func describe(_ error: any Error) -> String {
        if let e = error as? HTTPFetchError { return e.reason }
        return HTTPTransportErrorText.describe(error)
    }
}

/// The start of a response body, made safe for a one-line message.
public enum BodyPreview {
    /// At most `limit` characters, control characters replaced, `<empty body>` when empty.
    public static func text(_ body: ByteBuffer, limit: Int = 160) -> String {
        let bytes = body.readableBytesView.prefix(limit * 4)
        return text(String(decoding: bytes, as: UTF8.self), limit: limit)
    }

    public static func text(_ string: String, limit: Int = 160) -> String {
        let trimmed = string.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return "<empty body>" }
        let cleaned = String(trimmed.prefix(limit).map { $0.isNewline || $0.asciiValue.map { $0 < 32 } == true ? " " : $0 })
        return trimmed.count > limit ? cleaned + "…" : cleaned
    }

    /// Whether the body is an HTML page (a proxy's or load balancer's error page, a web UI).
    public static func looksLikeHTML(_ body: ByteBuffer) -> Bool {
        for byte in body.readableBytesView {
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
                || byte == UInt8(ascii: "\t")
            {
                continue
            }
            return byte == UInt8(ascii: "<")
        }
        return false
    }
}
