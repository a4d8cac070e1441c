import Foundation
import Hummingbird
import OperatorCore

/// Every error the API answers with: `{"error": "...", "detail": "..."}` and the status that fits.
///
/// `error` is a short stable phrase a client can branch on; `detail` names the bad input and the fix.
/// Neither ever carries the access token or anything else from a request header.
public struct APIError: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var error: String
    public var detail: String
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, _ error: String, _ detail: String, headers: HTTPFields = [:]) {
        self.status = status
        self.error = error
        self.detail = detail
        self.headers = headers
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    var body: Data { (try? JSONEncoder.operatorEncoder.encode(ErrorBody(error: error, detail: detail))) ?? Data("{}".utf8) }

    struct ErrorBody: Codable, Equatable {
        var error: String
        var detail: String
    }

    static func badParameter(_ name: String, _ detail: String) -> APIError {
        APIError(.badRequest, "bad parameter \(name)", detail)
    }

    static func notFound(_ what: String, id: Int64) -> APIError {
        APIError(
            .notFound, "\(what) not found",
            "no \(what) #\(id); list them with GET /api/v1/\(what == "incident" ? "incidents" : "tickets")")
    }
}
