import Foundation
import OperatorCore
import Testing

@testable import OperatorBench

/// The pieces every benchmark report is made of: order statistics, number formats, tables, the detection
/// report's ratio, the /proc status reader.
@Suite("bench report pieces")
struct BenchReportPiecesTests {
    @Test func latencySummaryRanksWithoutInterpolatingAndCountsTimeoutsApart() {
        let summary = LatencySummary(measured: (1...100).map { Double($0) } + [nil, nil])
        #expect(summary.count == 100)
        #expect(summary.timeouts == 2)
        #expect(summary.p50 == 50 && summary.p95 == 95 && summary.p99 == 99)
        #expect(summary.min == 1 && summary.max == 100 && summary.mean == 50.5)
        let empty = LatencySummary(measured: [nil])
        #expect(empty.count == 0 && empty.timeouts == 1 && empty.p50 == nil)
    }

    @Test func sizesParseAndABadOneNamesItself() throws {
        #expect(try BenchFormat.bytes("1GiB") == 1_073_741_824)
        #expect(try BenchFormat.bytes(" 5MB ") == 5_000_000)
        #expect(try BenchFormat.bytes("1024") == 1024)
        for bad in ["lots", "-1MB", "0", "1e300GiB"] {
            do {
                _ = try BenchFormat.bytes(bad)
                Issue.record("\(bad) parsed")
            } catch {
                #expect(error.kind == .badInput)
                #expect(error.description.contains("\"\(bad)\"") && error.description.contains("200MiB"), "\(error)")
            }
        }
    }

    @Test func formatsWriteUnitsAndMissingValues() {
        #expect(BenchFormat.duration(2.014) == "2.01 s")
        #expect(BenchFormat.duration(0.412) == "412 ms")
        #expect(BenchFormat.duration(0.000038) == "38.0 µs")
        #expect(BenchFormat.duration(nil) == "-")
        #expect(BenchFormat.ratio(3.1, 1.0) == "3.10x")
        #expect(BenchFormat.ratio(nil, 1.0) == "-")
        #expect(BenchFormat.ratio(1.0, 0.0) == "-")
        #expect(BenchFormat.ratioValue(1, 0) == nil)
        #expect(BenchFormat.byteCount(412 * 1_048_576) == "412 MiB")
        #expect(BenchFormat.byteCount(1_288_490_189) == "1.2 GiB")
        #expect(BenchFormat.grouped(-1_000_000) == "-1,000,000")
    }

    @Test func tableRendersAsMarkdownAndAlignedText() {
        let table = BenchTable(title: "T", columns: ["a", "bb"], rows: [["long cell", "1"]], notes: ["n"])
        #expect(table.render(markdown: true) == "### T\n\n| a | bb |\n|---|---|\n| long cell | 1 |\n\n- n")
        #expect(table.render(markdown: false) == "T\na          bb\nlong cell  1\n  n")
    }

    @Test func detectionRatioIsBaselineOverOperatorAndTimeoutsStayNull() throws {
        let at = Date(timeIntervalSince1970: 1_700_000_000)
        func kill(_ i: Int, _ op: Double?, _ am: Double?) -> DetectionKill {
            DetectionKill(
                index: i, member: Entity(kind: "member", id: "e\(i)"), instance: "127.0.0.1:2379", wasLeader: i == 2, killedAt: at,
                operatorSeconds: op, operatorTicket: op.map { _ in Int64(i) }, alertmanagerSeconds: am, recoverySeconds: 3,
                notes: am == nil ? ["Alertmanager: no firing webhook within 60s"] : [])
        }
        let report = DetectionReport(
            kills: [kill(1, 0.5, 2.0), kill(2, 1.0, 2.5), kill(3, 0.4, nil)],
            configuration: .init(
                members: 3, etcdVersion: "3.4.30", operatorInterval: "1s", operatorInvariant: "member-down", killTimeout: "60s",
                alertGroupCooldown: "31s"),
            elapsedSeconds: 100)
        #expect(report.operatorSummary.count == 3 && report.alertmanagerSummary.timeouts == 1)
        #expect(report.ratioP50 == 2.0 / 0.5, "p50 of [2.0, 2.5] over p50 of [0.4, 0.5, 1.0]")
        #expect(report.killTable.rows[2][4] == "timeout")
        #expect(report.killTable.rows[1][2] == "leader")
        let data = try JSONEncoder.operatorEncoder.encode(report)
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let kills = try #require(json["kills"] as? [[String: Any]])
        #expect(kills[2]["alertmanager_seconds"] is NSNull, "a timeout is null, never dropped")
        #expect((json["prometheus_alertmanager"] as? [String: Any])?["timeouts"] as? Int == 1)
    }

    @Test func eventDrivenLatenciesAreSplitByRoleAndCountTheSignalledTicks() throws {
        let at = Date(timeIntervalSince1970: 1_700_000_000)
        func kill(_ i: Int, leader: Bool, polling: Double?, event: Double?, signalled: Bool) -> DetectionKill {
            DetectionKill(
                index: i, member: Entity(kind: "member", id: "e\(i % 3 + 1)"), instance: "127.0.0.1:2379", wasLeader: leader,
                killedAt: at, operatorSeconds: polling, operatorTicket: 1, eventSeconds: event, eventSignalled: signalled,
                alertmanagerSeconds: 2.0, recoverySeconds: 3, notes: [])
        }
        let report = DetectionReport(
            kills: [
                kill(1, leader: false, polling: 0.8, event: 0.2, signalled: true),
                kill(2, leader: true, polling: 1.5, event: 0.4, signalled: true),
                kill(3, leader: false, polling: 0.3, event: 0.3, signalled: false),
                kill(4, leader: false, polling: 0.9, event: nil, signalled: false),
            ],
            configuration: .init(
                members: 3, etcdVersion: "3.4.23", operatorInterval: "1s", operatorInvariant: "member-down", killTimeout: "60s",
                alertGroupCooldown: "31s"),
            elapsedSeconds: 100)
        let e = report.eventSummary
        #expect(e.followers.count == 2 && e.followers.timeouts == 1 && e.leaders.count == 1)
        #expect(e.leaders.p50 == 0.4 && e.pollingLeaders.p50 == 1.5)
        #expect(e.signalled == 2, "a ticket the regular schedule opened first is not counted as signalled")
        #expect(e.ratioP50 == 2.0 / 0.3, "Prometheus+AM p50 over event-driven p50 of [0.2, 0.3, 0.4]")
        #expect(report.killTable.rows[0][4] == "0.20 (signal)" && report.killTable.rows[3][4] == "timeout")
        let json = try #require(try JSONSerialization.jsonObject(with: try JSONEncoder.operatorEncoder.encode(report)) as? [String: Any])
        let kills = try #require(json["kills"] as? [[String: Any]])
        #expect(kills[3]["event_driven_seconds"] is NSNull && kills[0]["event_driven_signalled"] as? Bool == true)
        #expect((json["event_driven"] as? [String: Any])?["signalled"] as? Int == 2)
        #expect(json["healthy_run"] is NSNull && json["tikv_simulator"] is NSNull, "parts not run are null, never missing")
    }

    @Test func procStatusFieldsAreReadInKilobytes() {
        let status = "Name:\toperator\nVmHWM:\t  61440 kB\nVmRSS:\t   51200 kB\nRssAnon:\t  12000 kB\n"
        #expect(ProcessUsage.statusKilobytes("VmRSS:", in: status) == 51200)
        #expect(ProcessUsage.statusKilobytes("VmHWM:", in: status) == 61440)
        #expect(ProcessUsage.statusKilobytes("RssFile:", in: status) == nil)
        #expect(ProcessUsage.residentBytes() ?? 1 > 0, "this process has resident memory (or no /proc at all)")
    }
}
