import Hummingbird
import Logging

/// Turns everything a route throws into the JSON error shape: Hummingbird's own errors (unknown route,
/// body too large), ours, and anything unexpected — the last as a 500 whose body says nothing internal
/// (the log has it). A path that exists under another method answers 405 with `Allow`.
struct APIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let routes: [APIRoute]
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as any HTTPResponseError {
            throw translate(error.status, request: request)
        } catch {
            logger.error("request failed", metadata: ["method": "\(request.method)", "path": "\(request.uri.path)", "error": "\(error)"])
            throw APIError(.internalServerError, "internal error", "the server could not answer this request; its log says why")
        }
    }

    private func translate(_ status: HTTPResponse.Status, request: Request) -> APIError {
        switch status {
        case .notFound:
            let path = request.uri.path
            let methods = routes.filter { $0.matches(path: path) }.map(\.method.rawValue)
            if !methods.isEmpty {
                let allowed = Set(methods).sorted().joined(separator: ", ")
                return APIError(
                    .methodNotAllowed, "method not allowed", "\(request.method) is not served on \(path); use \(allowed)",
                    headers: [.allow: allowed])
            }
            return APIError(.notFound, "no such route", "nothing is served at \(path); GET /api/v1/openapi.json lists every route")
        case .contentTooLarge:
            return APIError(.contentTooLarge, "body too large", "request bodies are limited to \(APIRoutes.maxBodyBytes) bytes")
        default:
            return APIError(status, status.reasonPhrase.lowercased(), "the request was refused: \(status.reasonPhrase)")
        }
    }
}
