import Foundation
import Hummingbird
import OperatorCore
import OperatorTestSupport
import Testing

@testable import SubjectTiKV

/// One out-of-range value on a page once trapped `operator check` and `monitor` (Double to integer
/// conversions). Through the real path: fake PD and TiKV status servers over HTTP serving the contract
/// fixtures with one value changed, `TiKVSubject.check()`, the status lines and the JSON the CLI writes.
@Suite("TiKV: out-of-range metric values")
struct OutOfRangeMetricTests {
    static func check(missPeerBody: String? = nil, storePage: String) async throws -> Evaluation<TiKVSnapshot> {
        try await withLocalHTTPServer(fakeTiKVStatusRouter(metrics: { storePage })) { statusURL in
            let store = FakeStore(id: 1, statusAddress: statusURL.replacingOccurrences(of: "http://", with: ""))
            return try await withLocalHTTPServer(try fakePDRouter(
                stores: [store], log: RequestLog(),
                regionChecks: missPeerBody.map { [.missPeer: StreamedBody(text: $0)] } ?? [:])) { pdURL in
                let subject = try TiKVSubject(configuration: FakePDSubjectTests.configuration([pdURL]))
                let evaluation = try await subject.check()
                #expect(!evaluation.snapshot.statusLines().isEmpty)
                _ = try JSONEncoder.operatorEncoder.encode(evaluation.snapshot)
                for v in evaluation.violations { _ = try JSONEncoder.operatorEncoder.encode(v) }
                return evaluation
            }
        }
    }

    /// PD's `RegionsInfo` with `count` as given (PD writes it first).
    static func missPeerBody(count: String) -> String { #"{"count":"# + count + #","regions":[]}"# }

    @Test("a regions/check count of 1e20, -3 or NaN: replication-degraded says why it cannot judge, naming the route", arguments: ["1e20", "-3", "NaN", "123456789012345678901"])
    func impossibleRegionCount(value: String) async throws {
        let evaluation = try await Self.check(missPeerBody: Self.missPeerBody(count: value), storePage: try Fixtures.text("tikv/metrics.txt"))
        #expect(evaluation.snapshot.regions == nil, "one impossible count makes the counts unknown, not zero")
        let reason = try #require(evaluation.skipped["replication-degraded"])
        #expect(reason.contains("/pd/api/v1/regions/check/miss-peer"), "\(reason)")
        #expect(reason.contains("count"), "\(reason)")
        #expect(!evaluation.evaluated.contains("replication-degraded"))
    }

    @Test("a sane regions/check count still gives counts (the check is not too strict)")
    func saneRegionCount() async throws {
        let evaluation = try await Self.check(missPeerBody: Self.missPeerBody(count: "7"), storePage: try Fixtures.text("tikv/metrics.txt"))
        #expect(evaluation.snapshot.regions?.count(.missPeer) == 7)
        #expect(evaluation.evaluated.contains("replication-degraded"))
    }

    @Test("tikv_store_size_bytes{type=\"available\"} -1e20: named in the notes, store-low-space judges on PD's numbers")
    func negativeAvailableBytes() async throws {
        let page = try Fixtures.text("tikv/metrics.txt").replacingOccurrences(
            of: #"tikv_store_size_bytes{type="available"} 7516192768"#, with: #"tikv_store_size_bytes{type="available"} -1e20"#)
        let evaluation = try await Self.check(storePage: page)
        let store = try #require(evaluation.snapshot.store(1))
        #expect(store.metrics?.availableBytes == nil)
        #expect(store.metrics?.capacityBytes == 107_374_182_400, "the sane series on the page are kept")
        let note = evaluation.snapshot.notes.first { $0.contains(#"tikv_store_size_bytes{type="available"}"#) }
        #expect(note?.contains("store 1") == true && note?.contains("-1e+20") == true, "\(evaluation.snapshot.notes)")
        // PD says 60 GiB of 100 GiB: a verdict, and healthy on that evidence.
        #expect(evaluation.evaluated.contains("store-low-space"))
        #expect(!evaluation.violations.contains { $0.invariant == "store-low-space" })
        #expect(abs((store.availableRatio ?? 0) - 0.6) < 0.01)
    }

    /// Found by `FuzzPDJSON` against the old conversion (Fuzz/corpus/FuzzPDJSON/regression-available-beyond-capacity.json):
    /// the status line's `Int(ratio * 100)` trapped.
    @Test("PD reporting 4.4e19 GiB available on a 100 GiB store: no trap, and the status line still prints")
    func availableFarBeyondCapacity() async throws {
        let page = try Fixtures.text("tikv/metrics.txt")
            .replacingOccurrences(of: #"tikv_store_size_bytes{type="available"} 7516192768"#, with: "")
            .replacingOccurrences(of: #"tikv_store_size_bytes{type="capacity"} 107374182400"#, with: "")
        try await withLocalHTTPServer(fakeTiKVStatusRouter(metrics: { page })) { statusURL in
            var store = FakeStore(id: 1, statusAddress: statusURL.replacingOccurrences(of: "http://", with: ""))
            store.available = "44444444444444444222.1GiB"
            try await withLocalHTTPServer(try fakePDRouter(stores: [store], log: RequestLog())) { pdURL in
                let subject = try TiKVSubject(configuration: FakePDSubjectTests.configuration([pdURL]))
                let evaluation = try await subject.check()
                #expect(evaluation.evaluated.contains("store-low-space"))
                let line = try #require(evaluation.snapshot.statusLines().first { $0.hasPrefix("store 1") })
                #expect(line.contains("% free"), "\(line)")
            }
        }
    }
}
