import Foundation
import Hummingbird
import Logging
import OperatorCore
import OperatorTestSupport
import Testing

@testable import OperatorServer

/// The document is true to the router: every route the router serves is described (method and path),
/// nothing described is missing from the router, and every error response points at the error shape.
@Suite("OpenAPI document")
struct OpenAPIDocumentTests {
    static func documented() throws -> [String: [String: JSONValue]] {
        let document = try JSONDecoder().decode(JSONValue.self, from: OpenAPIDocument.json)
        #expect(document["openapi"]?.stringValue == "3.1.0")
        let paths = try #require(document["paths"]?.objectValue)
        return paths.compactMapValues(\.objectValue)
    }

    @Test("Every route of the router is documented, and every documented operation is routed")
    func routesMatchTheDocument() throws {
        let directory = try TemporaryDirectory(prefix: "operator-openapi-test")
        defer { directory.remove() }
        let router = Router()
        let routes = APIRoutes(
            store: try SQLiteTicketStore(path: directory.file("operator.db")), clusters: [], board: ClusterStatusBoard(),
            metricsText: { "" }, logger: Logger(label: "test"))
        routes.add(to: router, access: .loopback(token: nil))
        let served = Set(router.routes.map { route in
            let path = "/" + route.path.description.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
            return "\(route.method.rawValue.lowercased()) \(path)"
        })
        let paths = try Self.documented()
        let described = Set(paths.flatMap { path, operations in operations.keys.map { "\($0) \(path)" } })
        #expect(!served.isEmpty)
        #expect(served == described, "served only: \(served.subtracting(described).sorted()); documented only: \(described.subtracting(served).sorted())")
    }

    @Test("Path parameters are declared; every 4xx/5xx response is the {error, detail} shape")
    func parametersAndErrors() throws {
        let document = try JSONDecoder().decode(JSONValue.self, from: OpenAPIDocument.json)
        let responses = try #require(document["components"]?["responses"]?.objectValue)
        for (path, operations) in try Self.documented() {
            for (method, operation) in operations {
                if path.contains("{id}") {
                    let names = (operation["parameters"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
                    #expect(names.contains("id"), "\(method) \(path)")
                }
                for (status, response) in operation["responses"]?.objectValue ?? [:] where !status.hasPrefix("2") {
                    let resolved = response["$ref"]?.stringValue.flatMap { responses[String($0.split(separator: "/").last ?? "")] } ?? response
                    #expect(
                        resolved["content"]?["application/json"]?["schema"]?["$ref"]?.stringValue == "#/components/schemas/Error",
                        "\(method) \(path) \(status)")
                }
            }
        }
    }
}
