import AsyncHTTPClient
import Foundation
import NIOCore
import OperatorHTTP
import PrometheusClient
import Synchronization

/// etcd's username/password authentication through the v3 gateway: `POST /v3/auth/authenticate` with
/// `{"name","password"}` answers `{"token": ...}`, sent back as the bare `Authorization: <token>` header on
/// later gateway calls. Tokens are kept per member (etcd's default `simple` tokens are known only to the
/// member that issued them) and asked for again when etcd says the token expired or is unknown
/// (`--auth-token-ttl`, a restarted member).
///
/// The password is read from its file or environment variable when a token is needed and never kept,
/// logged or shown: errors name the user and where the password came from.
public final class EtcdAuthSession: Sendable {
    public let username: String
    public let password: SecretSource
    private let tokens = Mutex<[String: String]>([:])
    private let granted = Atomic<Int>(0)

    /// How many tokens etcd has granted this session (one per member, then one per renewal).
    public var authentications: Int { granted.load(ordering: .relaxed) }

    public init(username: String, password: SecretSource) {
        self.username = username
        self.password = password
    }

    /// The token for the member at `endpoint`, authenticating when there is none.
    func token(at endpoint: String, timeout: Duration, maxBodyBytes: Int) async throws(EtcdGatewayError) -> String {
        if let known = tokens.withLock({ $0[endpoint] }) { return known }
        let url = EtcdGatewayClient.join(endpoint, "/v3/auth/authenticate")
        let secret: String
        do { secret = try password.read() } catch {
            throw EtcdGatewayError(url: url, kind: .unauthorized("the password of etcd user \(username) is unavailable: \(error)"))
        }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        let body: Data
        do { body = try JSONSerialization.data(withJSONObject: ["name": username, "password": secret]) } catch {
            throw EtcdGatewayError(url: url, kind: .unauthorized("cannot encode the credentials of etcd user \(username)"))
        }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response: HTTPFetchResponse
        do {
            response = try await OperatorHTTPClient.fetch(request, deadline: timeout, maxBodyBytes: maxBodyBytes)
        } catch {
            if error.isDeadlineExceeded { throw EtcdGatewayError(url: url, kind: .noAnswer(error.reason)) }
            throw EtcdGatewayError(url: url, kind: .unreachable(error.reason))
        }
        let data = Data(response.body.readableBytesView)
        guard (200..<300).contains(response.status) else {
            let message = EtcdGatewayErrorBody(json: data)?.message ?? BodyPreview.text(String(decoding: data, as: UTF8.self))
            throw EtcdGatewayError(
                url: url,
                kind: .unauthorized(
                    "etcd refused user \(username) (password from \(password)): \(message); check the user exists (etcdctl user get \(username)) and the password"))
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let token = object["token"] as? String,
            !token.isEmpty
        else {
            throw EtcdGatewayError(
                url: url, kind: .malformed(field: "token", problem: "expected the token string", preview: ""))
        }
        tokens.withLock { $0[endpoint] = token }
        granted.add(1, ordering: .relaxed)
        return token
    }

    /// Forgets the member's token: etcd said it is no longer valid.
    func invalidate(at endpoint: String) {
        tokens.withLock { $0[endpoint] = nil }
    }

    /// How etcd says a token expired or is unknown: 401, or its gRPC message `invalid auth token`.
    static func isTokenRejected(status: Int, body: Data) -> Bool {
        if status == 401 { return true }
        let text = String(decoding: body.prefix(512), as: UTF8.self)
        return text.contains("invalid auth token") || text.contains("user name is empty")
    }
}
