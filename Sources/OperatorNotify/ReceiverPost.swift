import AsyncHTTPClient
import Foundation
import NIOCore
import OperatorHTTP

/// A receiver's answer that is not a 2xx (or no answer at all): names the receiver, its redacted URL and
/// the status, never the URL's secret parts.
public struct ReceiverRefused: Error, CustomStringConvertible, Sendable {
    public var receiver: String
    public var target: String
    public var reason: String
    public var description: String { "\(receiver) at \(target): \(reason)" }
}

/// The one way receivers POST: through `OperatorHTTPClient.fetch` (one total deadline), JSON body,
/// 2xx or an error. Answers are small; 64 KiB of one is read, the rest refused.
struct ReceiverPost {
    var receiver: String
    var url: String
    var redactedTarget: String
    var timeout: Duration

    func post(_ body: Data, headers: [(String, String)] = []) async throws {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "operator")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response: HTTPFetchResponse
        do {
            response = try await OperatorHTTPClient.fetch(request, deadline: timeout, maxBodyBytes: 64 * 1024)
        } catch {
            // The fetch error quotes the URL it was given: show the receiver's redacted one instead.
            throw ReceiverRefused(receiver: receiver, target: redactedTarget, reason: error.reason)
        }
        guard (200..<300).contains(response.status) else {
            let text = String(buffer: response.body).prefix(300)
            throw ReceiverRefused(
                receiver: receiver, target: redactedTarget,
                reason: "answered HTTP \(response.status)" + (text.isEmpty ? "" : ": \(text)"))
        }
    }
}
