import Foundation
import Hummingbird
import NIOCore
import OperatorCore

/// A POST body: JSON (`Content-Type: application/json`), an object with only the known fields, at most
/// `APIRoutes.maxBodyBytes`. An empty body counts as `{}`.
enum JSONBody {
    enum Field: Sendable {
        case requiredString, optionalString
    }

    static func object(
        _ request: inout Request, context: some RequestContext, fields: [String: Field]
    ) async throws -> [String: JSONValue] {
        let buffer = try await bytes(&request, context: context)
        var object: [String: JSONValue] = [:]
        if buffer.readableBytes > 0 {
            guard case .object(let decoded)? = try? JSONDecoder().decode(JSONValue.self, from: Data(buffer.readableBytesView)) else {
                throw APIError(.badRequest, "bad body", "the body must be one JSON object with the fields \(fields.keys.sorted().joined(separator: ", "))")
            }
            object = decoded
        }
        for key in object.keys.sorted() where fields[key] == nil {
            throw APIError.badParameter(key, "unknown field `\(key.prefix(40))`; this route takes \(fields.keys.sorted().joined(separator: ", "))")
        }
        for (key, kind) in fields.sorted(by: { $0.key < $1.key }) {
            switch (kind, object[key]) {
            case (.requiredString, nil): throw APIError.badParameter(key, "the body needs `\(key)` (a string)")
            case (_, .string?), (.optionalString, nil), (.optionalString, .null?): continue
            default: throw APIError.badParameter(key, "`\(key)` must be a string")
            }
        }
        return object
    }

    /// The body's bytes, at most `APIRoutes.maxBodyBytes` (413 beyond), JSON by its `Content-Type` when not
    /// empty (415 otherwise).
    static func bytes(_ request: inout Request, context: some RequestContext) async throws -> ByteBuffer {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > APIRoutes.maxBodyBytes {
            throw tooLarge
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: APIRoutes.maxBodyBytes)
        } catch is NIOTooManyBytesError {
            throw tooLarge
        }
        if buffer.readableBytes > 0 {
            let type = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
            guard type == "application/json" else {
                throw APIError(
                    .unsupportedMediaType, "body must be JSON",
                    "send the body as JSON with `Content-Type: application/json` (got \(type.map { "`\($0.prefix(60))`" } ?? "no Content-Type"))")
            }
        }
        return buffer
    }

    static let tooLarge = APIError(.contentTooLarge, "body too large", "request bodies are limited to \(APIRoutes.maxBodyBytes) bytes")
}
