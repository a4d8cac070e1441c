import Foundation
import OperatorCore
import Testing

@Suite("Entities, durations, times, JSON")
struct SupportTests {
    @Test func entitiesParseAndPrint() throws {
        #expect(try Entity(parsing: "store:4") == Entity(kind: "store", id: "4"))
        #expect(try Entity(parsing: " cluster ") == .cluster)
        #expect(try Entity(parsing: "pd:pd1").description == "pd:pd1")
        #expect(try Entity(parsing: "member:e3:x").id == "e3:x")
        for bad in ["", ":4", "store:", "st ore:1"] {
            #expect(throws: EntityParseError.self) { try Entity(parsing: bad) }
        }
        #expect(["store:10", "store:9", "cluster"].map { Entity(stringLiteral: $0) }.sorted().map(\.description) == ["cluster", "store:9", "store:10"])
    }

    @Test(arguments: [
        ("500ms", 0.5), ("1s", 1), ("2m", 120), ("1h30m", 5400), ("36m20.480549971s", 2180.480549971), ("30m0s", 1800),
        ("527h55m26.364585582s", 1_900_526.364585582), ("0", 0), ("100µs", 0.0001), ("1.5s", 1.5),
    ])
    func durationsParse(text: String, seconds: Double) throws {
        #expect(abs(try DurationText.seconds(text) - seconds) < 1e-9)
    }

    @Test func badDurationsNameTheInput() {
        for bad in ["", "5", "5 sec", "s", "1x", "--1s"] {
            #expect { _ = try DurationText.seconds(bad) } throws: { "\($0)".contains("\"\(bad)\"") }
        }
        #expect(DurationText.format(seconds: 0.45) == "450ms")
        #expect(DurationText.format(seconds: 90) == "1m30s")
    }

    @Test func timestampsAcceptEveryRFC3339SpellingClustersUse() throws {
        let base = try #require(Timestamp.parse("2024-12-25T03:05:03Z"))
        #expect(base.timeIntervalSince1970 == 1_735_095_903)
        #expect(Timestamp.parse("2024-12-25T11:05:03+08:00") == base)
        let nano = try #require(Timestamp.parse("2024-12-25T03:41:23.480549971Z"))
        #expect(abs(nano.timeIntervalSince1970 - 1_735_098_083.480549971) < 1e-6)
        #expect(Timestamp.parse("2020-08-14T11:53:13.093351+08:00") != nil)
        #expect(Timestamp.parse("2026-11-23 07:06:24.242781Z") != nil)
        for bad in ["", "2024-12-25", "2024-13-01T00:00:00Z", "2024-12-25T03:05:03", "2024-12-25T03:05:03.Z", "2024-12-25T03:05:03Zjunk"] {
            #expect(Timestamp.parse(bad) == nil, "\(bad)")
        }
        #expect(Timestamp.format(base) == "2024-12-25T03:05:03.000Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: -0.5)) == "1969-12-31T23:59:59.500Z")
    }

    @Test func jsonValuesRoundTripAndTicketsHaveAFixedShape() throws {
        let v: JSONValue = ["a": [1, 2.5, "x", true, nil], "b": ["c": 18446744073709551615.0]]
        let data = try JSONEncoder.operatorEncoder.encode(v)
        #expect(try JSONDecoder().decode(JSONValue.self, from: data)["a"]?.arrayValue?.count == 5)
        let ticket = Ticket(id: 1, subject: "s", invariant: "i", entity: "store:1", severity: .warning, status: .created, message: "m",
                            firstSeen: Date(timeIntervalSince1970: 0), lastSeen: Date(timeIntervalSince1970: 1), occurrences: 1)
        let object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder.operatorEncoder.encode(ticket)) as? [String: Any])
        #expect(Set(object.keys) == ["id", "cluster", "subject", "invariant", "entity", "severity", "status", "message", "first_seen", "last_seen",
                                     "occurrences", "resolved_at", "diagnosis", "snapshot_excerpt", "incident_id", "diagnosis_error", "reopen_count",
                                     "flap_count"])
        #expect(object["first_seen"] as? String == "1970-01-01T00:00:00.000Z")
        #expect(object["resolved_at"] is NSNull)
    }

    @Test func theRegistryNamesKnownSubjectsWhenAskedForAnUnknownOne() {
        var registry = SubjectRegistry()
        registry.register(SubjectRegistration(name: "fake", summary: "test") { _ in FakeSubject(cluster: FakeCluster()) })
        #expect { _ = try registry.registration(named: "nope") } throws: { "\($0)".contains("known subjects: fake") }
        #expect((try? registry.registration(named: "FAKE"))?.name == "fake")
    }
}
