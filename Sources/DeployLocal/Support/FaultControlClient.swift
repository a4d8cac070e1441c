import AsyncHTTPClient
import Foundation
import NIOCore
import OperatorCore
import OperatorHTTP

/// Speaks a ``FaultControlEndpoint``: POST `{"kind","entity"}`, 2xx is done.
enum FaultControlClient {
    private struct Body: Encodable {
        var kind: String
        var entity: String
    }

    static func send(_ fault: DeploymentFault, lifting: Bool, to control: FaultControlEndpoint) async throws(DeploymentError) {
        let url = lifting ? control.liftURL : control.injectURL
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        let body = Body(kind: control.controlKind(for: fault.kind), entity: fault.entity.description)
        guard let data = try? JSONEncoder().encode(body) else {
            throw .faultControl(fault, url: url, reason: "the request body could not be encoded")
        }
        request.body = .bytes(ByteBuffer(bytes: data))
        let response: HTTPFetchResponse
        do {
            response = try await OperatorHTTPClient.fetch(request, deadline: .seconds(10), maxBodyBytes: 256 << 10)
        } catch {
            throw .faultControl(fault, url: url, reason: error.reason)
        }
        guard (200..<300).contains(response.status) else {
            let text = String(buffer: response.body).trimmingCharacters(in: .whitespacesAndNewlines)
            throw .faultControl(fault, url: url, reason: "HTTP \(response.status)\(text.isEmpty ? "" : ": \(text.prefix(300))")")
        }
    }
}
