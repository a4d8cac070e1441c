import AsyncHTTPClient
import Foundation
import NIOCore
import OperatorHTTP
import PrometheusClient

/// Talks to one etcd member's client URL through the v3 JSON gateway and its plain HTTP endpoints.
///
/// Every request carries the configured timeout and goes through the shared client, which reports a
/// refused connection at once: a killed member must read as "refused", not as a timeout.
public struct EtcdGatewayClient: Sendable {
    public let timeout: Duration
    public let maxBodyBytes: Int
    private let httpClient: HTTPClient
    /// etcd's username/password authentication, for clusters with `auth enable`; nil without.
    public let auth: EtcdAuthSession?

    public init(
        timeout: Duration = .seconds(3), maxBodyBytes: Int = 4 << 20, httpClient: HTTPClient = OperatorHTTPClient.shared,
        auth: EtcdAuthSession? = nil
    ) {
        self.timeout = timeout
        self.maxBodyBytes = maxBodyBytes
        self.httpClient = httpClient
        self.auth = auth
    }

    /// `POST /v3/cluster/member/list` (served from the member's local view, so it answers under quorum loss).
    public func memberList(at endpoint: String) async throws(EtcdGatewayError) -> EtcdMemberListResponse {
        let url = Self.join(endpoint, "/v3/cluster/member/list")
        let data = try await send(url, post: true)
        do throws(GatewayJSON.Malformed) { return try EtcdMemberListResponse(json: data) } catch { throw malformed(url, error, data) }
    }

    /// `POST /v3/maintenance/status` on this member only.
    public func status(at endpoint: String) async throws(EtcdGatewayError) -> EtcdStatusResponse {
        let url = Self.join(endpoint, "/v3/maintenance/status")
        let data = try await send(url, post: true)
        do throws(GatewayJSON.Malformed) { return try EtcdStatusResponse(json: data) } catch { throw malformed(url, error, data) }
    }

    /// `GET /health`. A 503 `{"health":"false"}` is an answer (unhealthy), not an error.
    public func health(at endpoint: String) async throws(EtcdGatewayError) -> EtcdHealthResponse {
        let url = Self.join(endpoint, "/health")
        let (status, data) = try await exchange(url, post: false)
        guard (200..<300).contains(status) || status == 503 else {
            throw EtcdGatewayError(url: url, kind: .httpStatus(status, BodyPreview.text(String(decoding: data, as: UTF8.self))))
        }
        do throws(GatewayJSON.Malformed) { return try EtcdHealthResponse(json: data, httpStatus: status) } catch { throw malformed(url, error, data) }
    }

    /// `POST /v3/maintenance/alarm` with `{"action":"GET"}`: the cluster's active alarms, as this member knows
    /// them (3.4.23 answers `{"alarms":[{"memberID":"1569…","alarm":"NOSPACE"}]}`, or `{}` with none).
    public func alarms(at endpoint: String) async throws(EtcdGatewayError) -> EtcdAlarmResponse {
        let url = Self.join(endpoint, "/v3/maintenance/alarm")
        let data = try await send(url, post: true, body: #"{"action":"GET"}"#)
        do throws(GatewayJSON.Malformed) { return try EtcdAlarmResponse(json: data) } catch { throw malformed(url, error, data) }
    }

    /// `POST /v3/kv/range` with `serializable` false: a linearizable read of one key, which only succeeds
    /// when a leader confirms it still leads a majority (a read index round). Answers 200 with a header
    /// (and no `kvs` for a missing key) when the cluster serves reads.
    public func linearizableRead(at endpoint: String) async throws(EtcdGatewayError) {
        let url = Self.join(endpoint, "/v3/kv/range")
        // The key `operator-read-probe` in base64: a key nobody writes, so the answer stays tiny.
        let data = try await send(url, post: true, body: #"{"key":"b3BlcmF0b3ItcmVhZC1wcm9iZQ==","serializable":false,"count_only":true}"#)
        do throws(GatewayJSON.Malformed) { _ = try GatewayJSON.object(data) } catch { throw malformed(url, error, data) }
    }

    /// `GET /version`.
    public func version(at endpoint: String) async throws(EtcdGatewayError) -> EtcdVersionResponse {
        let url = Self.join(endpoint, "/version")
        let data = try await send(url, post: false)
        do {
            return try JSONDecoder().decode(EtcdVersionResponse.self, from: data)
        } catch {
            throw EtcdGatewayError(
                url: url,
                kind: .malformed(
                    field: "etcdserver/etcdcluster", problem: "expected two version strings",
                    preview: BodyPreview.text(String(decoding: data, as: UTF8.self))))
        }
    }

    // MARK: - Transport

    /// A 2xx body, or an error carrying etcd's own message for other statuses.
    private func send(_ url: String, post: Bool, body: String = "{}") async throws(EtcdGatewayError) -> Data {
        let (status, data) = try await exchange(url, post: post, body: body)
        guard (200..<300).contains(status) else {
            let message = EtcdGatewayErrorBody(json: data)?.message ?? BodyPreview.text(String(decoding: data, as: UTF8.self))
            throw EtcdGatewayError(url: url, kind: .httpStatus(status, message))
        }
        return data
    }

    /// One request; gateway calls (`/v3/...`) of an authenticated cluster carry the member's token, and a
    /// token etcd rejects (expired, or the member restarted) is replaced once.
    private func exchange(_ url: String, post: Bool, body: String = "{}") async throws(EtcdGatewayError) -> (Int, Data) {
        guard let auth, let endpoint = Self.gatewayBase(of: url) else {
            return try await exchange(url, post: post, body: body, token: nil)
        }
        let token = try await auth.token(at: endpoint, timeout: timeout, maxBodyBytes: maxBodyBytes)
        let answer = try await exchange(url, post: post, body: body, token: token)
        guard EtcdAuthSession.isTokenRejected(status: answer.0, body: answer.1) else { return answer }
        auth.invalidate(at: endpoint)
        let renewed = try await auth.token(at: endpoint, timeout: timeout, maxBodyBytes: maxBodyBytes)
        return try await exchange(url, post: post, body: body, token: renewed)
    }

    /// The member's client URL when `url` is a gateway call (`.../v3/...`), else nil (`/health`, `/version`
    /// and `/metrics` need no token).
    static func gatewayBase(of url: String) -> String? {
        guard let range = url.range(of: "/v3/") else { return nil }
        return String(url[..<range.lowerBound])
    }

    private func exchange(_ url: String, post: Bool, body: String, token: String?) async throws(EtcdGatewayError) -> (Int, Data) {
        var request = HTTPClientRequest(url: url)
        // etcd's gateway takes the bare token, not `Bearer <token>`.
        if let token { request.headers.add(name: "Authorization", value: token) }
        request.method = post ? .POST : .GET
        if post {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        do {
            let response = try await OperatorHTTPClient.fetch(request, deadline: timeout, maxBodyBytes: maxBodyBytes, client: httpClient)
            return (response.status, Data(response.body.readableBytesView))
        } catch {
            if case .bodyTooLarge = error.kind {
                throw EtcdGatewayError(url: url, kind: .malformed(field: "<root>", problem: error.reason, preview: ""))
            }
            // A deadline that ran out means something accepted the connection but did not answer: a frozen
            // or hung process, not a stopped one (that refuses at once).
            if error.isDeadlineExceeded { throw EtcdGatewayError(url: url, kind: .noAnswer(error.reason)) }
            throw EtcdGatewayError(url: url, kind: .unreachable(error.reason))
        }
    }

    private func malformed(_ url: String, _ error: GatewayJSON.Malformed, _ data: Data) -> EtcdGatewayError {
        EtcdGatewayError(
            url: url,
            kind: .malformed(
                field: error.field, problem: error.problem, preview: BodyPreview.text(String(decoding: data, as: UTF8.self))))
    }

    static func join(_ base: String, _ path: String) -> String {
        var b = base
        while b.hasSuffix("/") { b.removeLast() }
        return b + path
    }
}
