import Testing
@testable import TiKVSimulator

/// The Go text forms PD writes (tikv-interfaces.md §1.0).
@Suite("Go formats")
struct GoFormatTests {
    @Test("ByteSize: %.4g with binary units and no space")
    func byteSize() {
        #expect(GoFormat.byteSize(0) == "0B")
        #expect(GoFormat.byteSize(1_023) == "1023B")
        #expect(GoFormat.byteSize(1_048) == "1.023KiB")
        #expect(GoFormat.byteSize(311.7 * 1_073_741_824) == "311.7GiB")
        #expect(GoFormat.byteSize(290.7 * 1_048_576) == "290.7MiB")
        #expect(GoFormat.byteSize(100 * 1_073_741_824) == "100GiB")
    }

    @Test("Durations as time.Duration.String()")
    func duration() {
        #expect(GoFormat.duration(.seconds(1_800)) == "30m0s")
        #expect(GoFormat.duration(.seconds(172_800)) == "48h0m0s")
        #expect(GoFormat.duration(SimSpan(nanoseconds: 2_180_480_549_971)) == "36m20.480549971s")
        #expect(GoFormat.duration(SimSpan(nanoseconds: 1_900_526_364_585_582)) == "527h55m26.364585582s")
        #expect(GoFormat.duration(.milliseconds(10)) == "10ms")
        #expect(GoFormat.duration(SimSpan(nanoseconds: 1_500_000)) == "1.5ms")
        #expect(GoFormat.duration(.zero) == "0s")
        #expect(GoFormat.duration(.seconds(90)) == "1m30s")
    }

    @Test("RFC3339Nano with trailing fraction zeros trimmed; TiKV log timestamps")
    func times() {
        #expect(GoFormat.rfc3339Nano(SimInstant(nanoseconds: 1_735_095_903_000_000_000)) == "2024-12-25T03:05:03Z")
        #expect(GoFormat.rfc3339Nano(SimInstant(nanoseconds: 1_735_098_083_480_549_971)) == "2024-12-25T03:41:23.480549971Z")
        #expect(GoFormat.rfc3339Nano(SimInstant(nanoseconds: 1_735_098_083_480_000_000)) == "2024-12-25T03:41:23.48Z")
        #expect(GoFormat.tikvLogTimestamp(SimInstant(nanoseconds: 1_723_023_899_054_000_000)) == "2024/08/07 09:44:59.054 +00:00")
        #expect(GoFormat.civilTime(951_782_400).rfc3339 == "2000-02-29T00:00:00")
    }

    @Test("Ordered JSON: Go's indentation, compact form, exact uint64, Go float spelling")
    func json() {
        let value = GoJSON.object([("id", .uint(15_980_934_438_217_023_866)), ("score", .double(127.39)), ("weight", .double(1)),
                                   ("list", .array([])), ("none", .null), ("tag", .string("a<b"))])
        #expect(value.compact() == #"{"id":15980934438217023866,"score":127.39,"weight":1,"list":[],"none":null,"tag":"a\u003cb"}"#)
        #expect(GoJSON.object([("count", .int(3)), ("regions", .null)]).indented() == "{\n  \"count\": 3,\n  \"regions\": null\n}")
        #expect(GoFormat.number(0.00005) == "0.00005")
        #expect(GoFormat.number(104.8576) == "104.8576")
        #expect(GoFormat.number(1.5e16) == "15000000000000000")
        #expect(GoFormat.number(-2.5e-7) == "-0.00000025")
    }
}
