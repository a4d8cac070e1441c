import Foundation
import OperatorTestSupport
import Testing

@testable import SubjectTiKV

/// `/stores` is decoded a store at a time; the result and the error wording must be exactly those of a
/// whole-document decode.
@Suite struct ListDecodingTests {
    func decode(_ text: String) throws(PDClientError) -> PDStores {
        try PDResponseDecoder.decode(PDStores.self, status: 200, body: Data(text.utf8), endpoint: "/pd/api/v1/stores", url: "http://pd")
    }

    @Test func theStoresFixtureDecodesTheSameAsAWholeDocumentParse() throws {
        let body = try Fixtures.data("pd/stores.json")
        let whole = try JSONDecoder().decode(PDStores.self, from: body)
        let byElement = try PDResponseDecoder.decode(PDStores.self, status: 200, body: body, endpoint: "/pd/api/v1/stores", url: "http://pd")
        #expect(byElement == whole)
        #expect(byElement.stores.count == 5)
    }

    @Test func bracketsQuotesAndEscapesInsideStringsDoNotConfuseTheScanner() throws {
        let stores = try decode(#"""
             { "stores" : [ {"store":{"id":1,"address":"a]}\"[{,b:20160","labels":[{"key":"k\\","value":"}"}]},"status":{}} ,
            {"store":{"id":2},"status":{"leader_count":3}} ] , "count" : 2 }
            """#)
        #expect(stores.count == 2)
        #expect(stores.stores.map(\.store.id) == [1, 2])
        #expect(stores.stores[0].store.address == #"a]}"[{,b:20160"#)
        #expect(stores.stores[0].store.labels?.first?.key == #"k\"#)
        #expect(stores.stores[1].status.leaderCount == 3)
    }

    @Test func anEmptyListAndAMissingCountDecodeAsBefore() throws {
        #expect(try decode(#"{"count":0,"stores":[]}"#).stores.isEmpty)
        #expect(try decode(#"{"stores":[{"store":{"id":9},"status":{}}]}"#).count == 1)
        #expect(try decode(#"{"count":0}"#).stores.isEmpty)
    }

    @Test func aBadFieldInALaterStoreIsNamedWithItsIndex() {
        #expect {
            _ = try decode(#"{"count":2,"stores":[{"store":{"id":1},"status":{}},{"store":{"id":"x"},"status":{}}]}"#)
        } throws: { error in
            guard let e = error as? PDClientError, case .malformed(let field, _) = e.kind else { return false }
            return field == "stores[1].store.id"
        }
    }

    @Test func aTruncatedBodyIsStillReportedAtTheRoot() {
        #expect {
            _ = try decode(#"{"count":2,"stores":[{"store":{"id":1},"status":{}},{"store":{"id":2"#)
        } throws: { error in
            guard let e = error as? PDClientError, case .malformed(let field, _) = e.kind else { return false }
            return field == "<root>"
        }
    }

    @Test func aStoresBodyOverTheCapIsRefusedUnreadNamingTheLimit() async throws {
        let body = try Fixtures.text("pd/stores.json")
        let server = try await LoopbackServer.start { router in
            router.get("/pd/api/v1/stores") { _, _ in CannedResponse(body: body) }
        }
        defer { server.stop() }
        let client = PDClient(endpoints: [server.baseURL], timeout: .seconds(20), maxBodyBytes: 1000)
        let outcome = try await withHangGuard { () -> PDClientError? in
            do throws(PDClientError) {
                _ = try await client.get(PDAPI.stores)
                return nil
            } catch { return error }
        }
        let error = try #require(outcome)
        #expect(error.kind == .tooLarge("response body declares \(body.utf8.count) bytes, over the 1000-byte limit for this request (refused unread: larger than any realistic answer)"))
        #expect("\(error)".contains(server.baseURL + "/pd/api/v1/stores"))
    }

    @Test func theDefaultCapLeavesRoomForEightTimesTheLargestRecordedStoresAnswer() {
        // 500 stores answer in 1-2 MB (tikv-at-scale.md); a cap below 16 MB would refuse a real cluster.
        #expect(PDClient.defaultMaxBodyBytes >= 8 * 2_000_000)
        #expect(PDAPI.stores.maxBodyBytes == nil, "/stores uses the client's cap")
    }
}
