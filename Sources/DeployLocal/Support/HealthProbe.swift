import AsyncHTTPClient
import Foundation
import NIOCore
import OperatorHTTP

/// One GET of a health URL: healthy on 2xx, otherwise a one-line reason naming the URL.
public enum HealthProbe {
    public enum Result: Sendable, Equatable {
        case healthy
        case unhealthy(String)

        public var isHealthy: Bool { self == .healthy }
        public var reason: String? {
            if case .unhealthy(let r) = self { return r }
            return nil
        }
    }

    public static func check(_ url: String, timeout: Duration = .seconds(1)) async -> Result {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        do {
            let response = try await OperatorHTTPClient.fetch(request, deadline: timeout, maxBodyBytes: 64 << 10)
            if (200..<300).contains(response.status) { return .healthy }
            let text = String(buffer: response.body).trimmingCharacters(in: .whitespacesAndNewlines)
            return .unhealthy("GET \(url) answered HTTP \(response.status)\(text.isEmpty ? "" : ": \(text.prefix(200))")")
        } catch {
            return .unhealthy("GET \(url) failed: \(error.reason)")
        }
    }
}
