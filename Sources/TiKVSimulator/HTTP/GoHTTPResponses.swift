import Hummingbird

/// Header names; HTTPTypes' `HTTPField` reached through the `HTTPFields` Hummingbird re-exports.
typealias HTTPHeaderName = HTTPFields.Element.Name

/// Responses shaped as PD's Go handlers write them.
enum GoHTTPResponse {
    /// `render.JSON` with indentation, `Content-Type: application/json; charset=UTF-8`.
    static func json(_ value: GoJSON, status: HTTPResponse.Status = .ok) -> Response {
        body(value.indented(), status: status, contentType: "application/json; charset=UTF-8")
    }

    /// easyjson's compact output for region bodies (`h.rd.Data`).
    static func compactJSON(_ value: GoJSON, status: HTTPResponse.Status = .ok) -> Response {
        body(value.compact(), status: status, contentType: "application/json; charset=UTF-8")
    }

    /// `h.rd.JSON(w, status, err.Error())`: the error text as a quoted JSON string, e.g.
    /// `"[PD:core:ErrStoreNotFound]store 7 not found"` (tikv-interfaces.md §1.0).
    static func errorString(_ message: String, status: HTTPResponse.Status) -> Response {
        json(.string(message), status: status)
    }

    /// Go's `http.Error`: plain text with a trailing newline (redirect middleware, mux 404).
    static func plainError(_ message: String, status: HTTPResponse.Status) -> Response {
        var response = body(message + "\n", status: status, contentType: "text/plain; charset=utf-8")
        response.headers[HTTPHeaderName("X-Content-Type-Options")!] = "nosniff"
        return response
    }

    static func body(_ text: String, status: HTTPResponse.Status, contentType: String) -> Response {
        Response(
            status: status,
            headers: [.contentType: contentType],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}

/// Unknown paths answer as gorilla/mux does: 404 `404 page not found`.
struct GoNotFoundMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            return GoHTTPResponse.plainError("404 page not found", status: .notFound)
        }
    }
}
