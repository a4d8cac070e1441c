import Foundation
import OperatorTestSupport
import Synchronization
import Testing

extension EndToEnd {
    /// `operator check` never says "healthy" when it could not see the cluster: PD's `/stores` answering
    /// a proxy's 502 page, then a garbled body, leaves store-down (critical) without a verdict: exit 2,
    /// naming `/stores` and its URL, and `--json` says `verdict: unknown`, `healthy: false`.
    @Suite("operator check when PD's /stores fails")
    struct CheckVerdictTests {
        static let badGateway = CannedResponse(
            status: .badGateway, contentType: "text/html",
            body: "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
        static let garbled = CannedResponse(body: "{\"count\":3,\"stores\":[{\"store\":{\"id\":1,\"address\":\"127.0.")

        static func fixture(_ name: String) throws -> String {
            try String(
                contentsOf: PackagePaths.root.appendingPathComponent("Tests/SubjectTiKVTests/Fixtures/pd/\(name)"),
                encoding: .utf8)
        }

        @Test func checkExitsTwoNamingStoresWhenStoresFails() async throws {
            let members = try Self.fixture("members.json")
            let health = try Self.fixture("health.json").replacingOccurrences(of: "\"health\": false", with: "\"health\": true")
            let stores = Mutex(Self.badGateway)
            let pd = try await LoopbackServer.start(serving: [
                "/pd/api/v1/members": { CannedResponse(body: members) },
                "/pd/api/v1/health": { CannedResponse(body: health) },
                "/pd/api/v1/stores": { stores.withLock { $0 } },
            ])
            defer { pd.stop() }
            let storesURL = "\(pd.baseURL)/pd/api/v1/stores"

            for response in [Self.badGateway, Self.garbled] {
                stores.withLock { $0 = response }
                let text = try await OperatorBinary.run(["check", "--subject", "tikv", "--endpoints", pd.baseURL])
                #expect(text.status == 2, "stdout: \(text.stdout) stderr: \(text.stderr)")
                #expect(text.stdout.contains("tikv: unknown"), "\(text.stdout)")
                #expect(!text.stdout.contains("healthy"), "\(text.stdout)")
                #expect(text.stdout.contains("critical invariant not evaluated: store-down"), "\(text.stdout)")
                #expect(text.stdout.contains(storesURL), "\(text.stdout)")

                let json = try await OperatorBinary.run(["check", "--subject", "tikv", "--endpoints", pd.baseURL, "--json"])
                #expect(json.status == 2)
                let report = try #require(json.json as? [String: Any], "\(json.stdout)")
                #expect(report["verdict"] as? String == "unknown")
                #expect(report["healthy"] as? Bool == false)
                #expect((report["skipped_critical"] as? [String])?.contains("store-down") == true)
                #expect((report["failed_sources"] as? [String])?.contains { $0.contains(storesURL) } == true)
                #expect((report["skipped"] as? [String: String])?["store-down"]?.contains("/pd/api/v1/stores") == true)
            }
        }

        @Test func monitorRejectsADegradedAfterBelowOneNamingTheOption() async throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let result = try await OperatorBinary.run([
                "monitor", "--subject", "tikv", "--endpoints", "http://127.0.0.1:1", "--db", dir.file("t.db"),
                "--degraded-after", "0",
            ])
            #expect(result.status == 2)
            #expect(result.stderr.contains("--degraded-after"), "\(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir.file("t.db")), "rejected before opening the database")
        }
    }
}
