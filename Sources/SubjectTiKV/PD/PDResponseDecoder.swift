import Foundation
import PrometheusClient

/// Turns a PD response (status + body) into a model or a ``PDClientError`` naming the endpoint and the field.
/// Pure, so contract tests can run every fixture through exactly what the client runs.
public enum PDResponseDecoder {
    public static func decode<T: Decodable>(
        _ type: T.Type, status: Int, body: Data, endpoint: String, url: String
    ) throws(PDClientError) -> T {
        func failure(_ kind: PDClientError.Kind) -> PDClientError {
            PDClientError(endpoint: endpoint, url: url, httpStatus: status, kind: kind)
        }
        let firstByte = body.first { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }
        guard let firstByte else { throw failure(.emptyBody) }
        if firstByte == UInt8(ascii: "<") { throw failure(.html(body: BodyPreview.text(String(decoding: body, as: UTF8.self)))) }

        // PD errors are a bare JSON string (with any status); no PD model is a string.
        if firstByte == UInt8(ascii: "\""), let message = try? JSONDecoder().decode(String.self, from: body) {
            throw failure(pdError(message))
        }
        guard (200..<300).contains(status) else {
            throw failure(.httpStatus(body: BodyPreview.text(String(decoding: body, as: UTF8.self))))
        }
        guard firstByte == UInt8(ascii: "{") || firstByte == UInt8(ascii: "[") else {
            throw failure(.notJSON(body: BodyPreview.text(String(decoding: body, as: UTF8.self))))
        }
        if let listType = T.self as? any PDListResponse.Type {
            do throws(DecodingPathError) {
                if let value = try PDListDecoding.decode(listType, from: body) as? T { return value }
            } catch {
                throw failure(.malformed(field: error.field, reason: error.reason))
            }
        }
        do {
            return try JSONDecoder().decode(T.self, from: body)
        } catch let error as DecodingError {
            let (field, reason) = DecodingErrorText.describe(error)
            if case .dataCorrupted(let context) = error, context.codingPath.isEmpty {
                throw failure(.malformed(field: field, reason: "truncated or invalid JSON (\(context.underlyingError.map { "\($0)" } ?? context.debugDescription))"))
            }
            throw failure(.malformed(field: field, reason: reason))
        } catch {
            throw failure(.malformed(field: "<root>", reason: "\(error)"))
        }
    }

    /// Splits `[PD:core:ErrStoreNotFound]store 7 not found` into code and message.
    static func pdError(_ text: String) -> PDClientError.Kind {
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            let code = String(text[text.index(after: text.startIndex)..<close])
            if code.hasPrefix("PD:") {
                return .pdError(code: code, message: String(text[text.index(after: close)...]))
            }
        }
        return .pdError(code: nil, message: text)
    }
}
