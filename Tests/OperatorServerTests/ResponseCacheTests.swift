import Foundation
import NIOCore
import OperatorCore
import Testing

@testable import OperatorServer

/// The encoded-response cache of the read routes: it answers repeated reads, and a commit by anyone (another
/// connection, another process, this server's own writes) is visible on the next GET.
@Suite("Encoded-response cache")
struct ResponseCacheTests {
    static let token = "s3cret-token-for-tests"

    @Test("A write through a second connection shows on the next GET of the list and the detail; repeated GETs are hits")
    func commitsElsewhereAreSeenAtOnce() async throws {
        try await withLiveAPI(startMonitor: false) { api in
            let id = try await APIOverHTTPTests.plantIncident(api.store)
            // The same file through a second store: its own connection pool, as another process would write it.
            let elsewhere = try SQLiteTicketStore(path: api.store.path)

            let first = try await api.call("/api/v1/incidents?limit=5").object()
            #expect(Self.item(id, in: first) != nil && Self.item(id, in: first)?["acknowledged_by"] as? String == nil)
            let detail = try await api.call("/api/v1/incidents/\(id)").object()
            #expect((detail["incident"] as? [String: Any])?["acknowledged_by"] as? String == nil)
            let before = try await Self.cacheCounts(api)
            // Same query, spelled in another order: one cache entry, answered without reading the store.
            _ = try await api.call("/api/v1/incidents?limit=05")
            _ = try await api.call("/api/v1/incidents/\(id)")
            let after = try await Self.cacheCounts(api)
            #expect(after.hits >= before.hits + 2, "repeated reads with no commit between are cache hits: \(before) then \(after)")

            _ = try await elsewhere.acknowledgeIncident(id: id, by: "ana", note: "looking", at: Date())
            let listed = try await api.call("/api/v1/incidents?limit=5").object()
            #expect(Self.item(id, in: listed)?["acknowledged_by"] as? String == "ana", "the list after a commit elsewhere: \(listed)")
            let shown = try await api.call("/api/v1/incidents/\(id)").object()
            #expect((shown["incident"] as? [String: Any])?["acknowledged_by"] as? String == "ana")
            let invalidated = try await Self.cacheCounts(api)
            #expect(invalidated.invalidations > after.invalidations)

            // A new incident written elsewhere tops the next page at once.
            let newer = try await APIOverHTTPTests.plantIncident(elsewhere)
            let top = try await api.call("/api/v1/incidents?limit=5").object()
            #expect((top["items"] as? [[String: Any]])?.first?["id"] as? Int == Int(newer))
        }
    }

    @Test("This server's own write (a diagnosis) shows on the next GET, with the stored context's size")
    func ownWritesAndContextSize() async throws {
        try await withLiveAPI(token: Self.token, startMonitor: false) { api in
            let id = try await APIOverHTTPTests.plantIncident(api.store)
            let undiagnosed = try await api.call("/api/v1/incidents/\(id)").object()
            #expect(undiagnosed.keys.contains("context_size") && undiagnosed["context_size"] as? [String: Any] == nil)

            let diagnose = try await api.call(.POST, "/api/v1/incidents/\(id)/diagnose", body: "{\"diagnoser\": \"offline\"}", token: Self.token)
            #expect(diagnose.status == 200, "\(diagnose.text)")
            let context = try #require(try await api.store.diagnosisContext(incidentID: id), "the diagnosis stored its context")
            let encoded = try JSONEncoder.operatorEncoder.encode(context).count

            let diagnosed = try await api.call("/api/v1/incidents/\(id)").object()
            let size = try #require(diagnosed["context_size"] as? [String: Any], "detail after the diagnosis: \(diagnosed)")
            #expect(size["bytes"] as? Int == encoded)
            #expect(size["estimated_tokens"] as? Int == ContextBudget.estimatedTokens(of: context))
            #expect(diagnosed["diagnosis"] as? [String: Any] != nil)
        }
    }

    @Test("Bounded: entries beyond the limit evict the oldest; a body larger than the byte limit is not kept")
    func bounded() {
        let cache = ResponseCache(limits: .init(entries: 2, bytes: 10))
        let version: Int64 = 7
        #expect(cache.body(for: "a", version: version) == nil)
        cache.store(ByteBuffer(string: "aaa"), for: "a", version: version)
        cache.store(ByteBuffer(string: "bbb"), for: "b", version: version)
        cache.store(ByteBuffer(string: "ccc"), for: "c", version: version)
        #expect(cache.body(for: "a", version: version) == nil)
        #expect(cache.body(for: "c", version: version) == ByteBuffer(string: "ccc"))
        cache.store(ByteBuffer(string: "dddddddddddd"), for: "d", version: version)
        #expect(cache.body(for: "d", version: version) == nil)
        cache.store(ByteBuffer(string: "eeeeeeee"), for: "e", version: version)
        #expect(cache.counts.bytes <= 10)
        #expect(cache.body(for: "e", version: version) == ByteBuffer(string: "eeeeeeee"))
        // A newer version empties it; an answer read under the older one is then not kept.
        #expect(cache.body(for: "e", version: version + 1) == nil)
        cache.store(ByteBuffer(string: "old"), for: "e", version: version)
        #expect(cache.body(for: "e", version: version + 1) == nil)
        #expect(cache.counts.entries == 0)
    }

    static func item(_ id: Int64, in page: [String: Any]) -> [String: Any]? {
        (page["items"] as? [[String: Any]])?.first { $0["id"] as? Int == Int(id) }
    }

    static func cacheCounts(_ api: LiveAPI) async throws -> (hits: Int, invalidations: Int) {
        let text = try await api.call("/metrics").text
        func value(_ name: String) -> Int {
            text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Int($0.split(separator: " ").last ?? "") } ?? -1
        }
        return (value("operator_api_cache_hits_total"), value("operator_api_cache_invalidations_total"))
    }
}
