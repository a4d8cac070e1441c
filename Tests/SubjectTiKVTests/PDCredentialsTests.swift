import Foundation
import Hummingbird
import OperatorCore
import OperatorHTTP
import OperatorTestSupport
import Testing

@testable import SubjectTiKV

/// PD behind a proxy that wants Basic credentials: the URL the subject is given has no userinfo (it was
/// split off where the URL entered), and the credentials come from the HTTP layer.
@Suite("PD client sends URL credentials from the HTTP layer")
struct PDCredentialsTests {
    struct BasicAuthMiddleware: RouterMiddleware {
        typealias Context = BasicRequestContext
        let expected: String
        let refused: RequestLog

        func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
            guard request.headers[.authorization] == expected else {
                refused.record(request.uri.path)
                return Response(status: .unauthorized)
            }
            return try await next(request, context)
        }
    }

    @Test("Without registered credentials PD refuses and observation fails; with them every PD request is authorized")
    func pdRequestsCarryCredentials() async throws {
        let expected = "Basic " + Data("pd-user-w2:hunter2".utf8).base64EncodedString()
        let inner = try fakePDRouter(
            stores: [FakeStore(id: 1, statusAddress: "127.0.0.1:\(try closedLocalPort())")], log: RequestLog()
        ).buildResponder()
        let refused = RequestLog()
        let router = Router()
        router.middlewares.add(BasicAuthMiddleware(expected: expected, refused: refused))
        router.get("**") { request, context in try await inner.respond(to: request, context: context) }
        try await withLocalHTTPServer(router) { pdURL in
            let subject = try TiKVSubject(configuration: FakePDSubjectTests.configuration([pdURL]))
            await #expect(throws: (any Error).self) { try await subject.observe() }
            #expect(!refused.all.isEmpty, "the proxy never refused anything, so the test proves nothing")

            let refusedBefore = refused.all.count
            HTTPCredentials.shared.register(url: pdURL, username: "pd-user-w2", password: "hunter2")
            let snapshot = try await subject.observe()
            #expect(snapshot.stores.count == 1)
            #expect(refused.all.count == refusedBefore, "requests without credentials after registration: \(refused.all.dropFirst(refusedBefore))")
        }
    }
}
