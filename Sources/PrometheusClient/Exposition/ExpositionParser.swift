import NIOCore

/// Reads the Prometheus text exposition format (0.0.4): `# HELP`, `# TYPE`, samples with label escapes
/// `\\ \" \n`, optional timestamps, `NaN`/`+Inf`/`-Inf` values.
///
/// Tolerant by design: a line it cannot read is recorded as an ``ExpositionIssue`` with its line number and
/// the rest of the page is still parsed. It works on bytes and builds a `String` only for names, label
/// values and the rare non-integer value, so a 1,500-line etcd page or a large TiKV page can be parsed
/// every second.
public enum ExpositionParser {
    public static func parse(_ text: String) -> MetricsPage {
        var text = text
        return text.withUTF8 { parse(bytes: $0) }
    }

    /// `keeping`: parse only the samples of these families (see ``MetricFamilyFilter``); `nil` parses all.
    public static func parse(_ buffer: ByteBuffer, keeping filter: MetricFamilyFilter? = nil) -> MetricsPage {
        buffer.withUnsafeReadableBytes { raw in
            raw.withMemoryRebound(to: UInt8.self) { parse(bytes: $0, keeping: filter) }
        }
    }

    public static func parse(bytes: UnsafeBufferPointer<UInt8>, keeping filter: MetricFamilyFilter? = nil) -> MetricsPage {
        var parser = ExpositionStreamParser(keeping: filter)
        parser.feed(bytes)
        return parser.finish()
    }

    // MARK: - Lines

    private static let newline = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")
    private static let space = UInt8(ascii: " ")
    private static let tab = UInt8(ascii: "\t")
    private static let hash = UInt8(ascii: "#")
    private static let quote = UInt8(ascii: "\"")
    private static let backslash = UInt8(ascii: "\\")

    private struct LineError: Error {
        let reason: String
    }

    /// Parses one line (without its newline; a trailing carriage return is dropped) into `page`.
    static func parseLine(
        _ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, number: Int, keeping filter: MetricFamilyFilter?,
        into page: inout MetricsPage
    ) {
        var i = range.lowerBound
        var end = range.upperBound
        if end > i, b[end - 1] == carriageReturn { end -= 1 }
        skipBlanks(b, &i, end)
        guard i < end else { return }
        do {
            if b[i] == hash {
                if let filter, !keepsComment(b, i + 1, end, filter) { return }
                try parseComment(b, i + 1, end, into: &page)
            } else if let filter, !filter.keeps(b, i, end) {
                return
            } else {
                let sample = try parseSample(b, i, end, names: &page)
                page.append(sample)
            }
        } catch let error as LineError {
            let text = String(decoding: UnsafeBufferPointer(rebasing: b[range.lowerBound..<end]), as: UTF8.self)
            page.record(ExpositionIssue(line: number, reason: error.reason, text: String(text.prefix(120))))
        } catch {
            // parseComment and parseSample throw only LineError.
        }
    }

    /// Whether a comment line is worth parsing under `filter`: `# HELP`/`# TYPE` of a family the reader
    /// keeps (or with a name the parser must report as malformed). Other families' comments are skipped
    /// like their samples, so a large page costs no `String` per family nobody reads.
    private static func keepsComment(
        _ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ filter: MetricFamilyFilter
    ) -> Bool {
        var i = start
        skipBlanks(b, &i, end)
        let keywordStart = i
        while i < end, b[i] != space, b[i] != tab { i += 1 }
        let keyword = i - keywordStart
        // Only HELP and TYPE mean anything; any other comment is ignored by `parseComment` anyway.
        guard keyword == 4 else { return false }
        let isHelp = b[keywordStart] == UInt8(ascii: "H") && b[keywordStart + 1] == UInt8(ascii: "E")
            && b[keywordStart + 2] == UInt8(ascii: "L") && b[keywordStart + 3] == UInt8(ascii: "P")
        let isType = b[keywordStart] == UInt8(ascii: "T") && b[keywordStart + 1] == UInt8(ascii: "Y")
            && b[keywordStart + 2] == UInt8(ascii: "P") && b[keywordStart + 3] == UInt8(ascii: "E")
        guard isHelp || isType else { return false }
        skipBlanks(b, &i, end)
        return filter.keeps(b, i, end)
    }

    private static func parseComment(
        _ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, into page: inout MetricsPage
    ) throws {
        var i = start
        skipBlanks(b, &i, end)
        let keywordStart = i
        while i < end, b[i] != space, b[i] != tab { i += 1 }
        let keyword = String(decoding: UnsafeBufferPointer(rebasing: b[keywordStart..<i]), as: UTF8.self)
        guard keyword == "HELP" || keyword == "TYPE" else { return }  // any other comment is ignored
        skipBlanks(b, &i, end)
        guard let name = readMetricName(b, &i, end) else {
            throw LineError(reason: "# \(keyword) without a valid metric name")
        }
        if keyword == "HELP" {
            if i < end { i += 1 }  // the single separator before the docstring
            page.setHelp(unescapeHelp(b, i, end), for: name)
            return
        }
        skipBlanks(b, &i, end)
        let typeStart = i
        while i < end, b[i] != space, b[i] != tab { i += 1 }
        let typeText = String(decoding: UnsafeBufferPointer(rebasing: b[typeStart..<i]), as: UTF8.self)
        skipBlanks(b, &i, end)
        guard i == end, let type = MetricType(rawValue: typeText) else {
            throw LineError(
                reason: "# TYPE \(name) has unknown type \"\(typeText)\" (expected counter, gauge, histogram, summary or untyped)")
        }
        page.setType(type, for: name)
    }

    /// `names`: the page whose sample names this one's shares when it is one of them (see `sharedName`).
    private static func parseSample(
        _ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, names: inout MetricsPage
    ) throws -> MetricSample {
        var i = start
        guard let nameRange = metricNameRange(b, &i, end) else {
            throw LineError(reason: "sample line does not start with a metric name")
        }
        let name = names.sharedName(UnsafeBufferPointer(rebasing: b[nameRange]))
        var labels: LabelSet = [:]
        let afterName = i
        skipBlanks(b, &i, end)
        if i < end, b[i] == UInt8(ascii: "{") {
            i += 1
            labels = try readLabels(b, &i, end, metric: name)
            skipBlanks(b, &i, end)
        } else if i == afterName, i < end {
            throw LineError(reason: "unexpected character after metric name \(name)")
        }
        let valueStart = i
        while i < end, b[i] != space, b[i] != tab { i += 1 }
        guard valueStart < i else { throw LineError(reason: "sample \(name) has no value") }
        guard let value = SampleValueText.parse(b, valueStart..<i) else {
            let text = String(decoding: UnsafeBufferPointer(rebasing: b[valueStart..<i]), as: UTF8.self)
            throw LineError(reason: "value \"\(text)\" of \(name) is not a number")
        }
        skipBlanks(b, &i, end)
        var timestamp: Int64?
        if i < end, b[i] != hash {  // OpenMetrics exemplars (` # {...}`) are ignored
            let tsStart = i
            while i < end, b[i] != space, b[i] != tab { i += 1 }
            let text = String(decoding: UnsafeBufferPointer(rebasing: b[tsStart..<i]), as: UTF8.self)
            guard let ts = Int64(text) else {
                throw LineError(reason: "timestamp \"\(text)\" of \(name) is not an integer of milliseconds")
            }
            timestamp = ts
            skipBlanks(b, &i, end)
            guard i == end || b[i] == hash else { throw LineError(reason: "unexpected text after the timestamp of \(name)") }
        }
        return MetricSample(name: name, labels: labels, value: value, timestampMilliseconds: timestamp)
    }

    /// Reads `name="value",...}` after the opening brace. A trailing comma is allowed.
    private static func readLabels(
        _ b: UnsafeBufferPointer<UInt8>, _ i: inout Int, _ end: Int, metric: String
    ) throws -> LabelSet {
        var labels: LabelSet = [:]
        while true {
            skipBlanks(b, &i, end)
            guard i < end else { throw LineError(reason: "labels of \(metric) are not closed with '}'") }
            if b[i] == UInt8(ascii: "}") {
                i += 1
                return labels
            }
            guard let labelName = readLabelName(b, &i, end) else {
                throw LineError(reason: "invalid label name in \(metric)")
            }
            skipBlanks(b, &i, end)
            guard i < end, b[i] == UInt8(ascii: "=") else {
                throw LineError(reason: "expected '=' after label \(labelName) of \(metric)")
            }
            i += 1
            skipBlanks(b, &i, end)
            guard i < end, b[i] == quote else {
                throw LineError(reason: "value of label \(labelName) of \(metric) is not quoted")
            }
            i += 1
            let value = try readQuoted(b, &i, end, label: labelName, metric: metric)
            guard labels.updateValue(value, forKey: labelName) == nil else {
                throw LineError(reason: "label \(labelName) repeated in \(metric)")
            }
            skipBlanks(b, &i, end)
            guard i < end else { throw LineError(reason: "labels of \(metric) are not closed with '}'") }
            if b[i] == UInt8(ascii: ",") {
                i += 1
            } else if b[i] != UInt8(ascii: "}") {
                throw LineError(reason: "expected ',' or '}' after label \(labelName) of \(metric)")
            }
        }
    }

    /// Reads a label value up to its closing quote; escapes are `\\`, `\"` and `\n`.
    private static func readQuoted(
        _ b: UnsafeBufferPointer<UInt8>, _ i: inout Int, _ end: Int, label: String, metric: String
    ) throws -> String {
        let start = i
        var hasEscape = false
        while i < end, b[i] != quote {
            if b[i] == backslash {
                hasEscape = true
                i += 1
            }
            i += 1
        }
        guard i < end else { throw LineError(reason: "value of label \(label) of \(metric) is not terminated") }
        let raw = UnsafeBufferPointer(rebasing: b[start..<i])
        i += 1
        guard hasEscape else { return String(decoding: raw, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var k = 0
        while k < raw.count {
            if raw[k] == backslash, k + 1 < raw.count {
                switch raw[k + 1] {
                case backslash: out.append(backslash)
                case quote: out.append(quote)
                case UInt8(ascii: "n"): out.append(newline)
                default:
                    throw LineError(
                        reason: "invalid escape \\\(Character(Unicode.Scalar(raw[k + 1]))) in label \(label) of \(metric)")
                }
                k += 2
            } else {
                out.append(raw[k])
                k += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func unescapeHelp(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(end - start)
        var k = start
        while k < end {
            if b[k] == backslash, k + 1 < end, b[k + 1] == backslash || b[k + 1] == UInt8(ascii: "n") {
                out.append(b[k + 1] == backslash ? backslash : newline)
                k += 2
            } else {
                out.append(b[k])
                k += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func readMetricName(_ b: UnsafeBufferPointer<UInt8>, _ i: inout Int, _ end: Int) -> String? {
        metricNameRange(b, &i, end).map { String(decoding: UnsafeBufferPointer(rebasing: b[$0]), as: UTF8.self) }
    }

    private static func metricNameRange(_ b: UnsafeBufferPointer<UInt8>, _ i: inout Int, _ end: Int) -> Range<Int>? {
        let start = i
        guard i < end, isNameStart(b[i]) || b[i] == UInt8(ascii: ":") else { return nil }
        i += 1
        while i < end, isNameStart(b[i]) || isDigit(b[i]) || b[i] == UInt8(ascii: ":") { i += 1 }
        return start..<i
    }

    private static func readLabelName(_ b: UnsafeBufferPointer<UInt8>, _ i: inout Int, _ end: Int) -> String? {
        let start = i
        guard i < end, isNameStart(b[i]) else { return nil }
        i += 1
        while i < end, isNameStart(b[i]) || isDigit(b[i]) { i += 1 }
        return String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self)
    }

    @inline(__always) private static func isNameStart(_ c: UInt8) -> Bool {
        (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95
    }

    @inline(__always) private static func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }

    @inline(__always) private static func skipBlanks(_ b: UnsafeBufferPointer<UInt8>, _ i: inout Int, _ end: Int) {
        while i < end, b[i] == space || b[i] == tab { i += 1 }
    }
}
