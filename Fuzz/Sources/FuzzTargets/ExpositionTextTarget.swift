import Foundation
import PrometheusClient

/// A `/metrics` page through `ExpositionParser`, then the lookups the subjects make on it: sums and maxima
/// by label, histogram buckets and quantiles, and rates between two scrapes of the page (a second apart).
public enum ExpositionTextTarget {
    public static func run(_ input: Data) {
        let page = input.withUnsafeBytes { raw in
            ExpositionParser.parse(bytes: raw.bindMemory(to: UInt8.self))
        }
        _ = page.issues.map(\.description)
        // Fed in three parts, as a body arrives off the network, the page must parse exactly the same.
        let streamed = input.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            let first = bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)
            let second = first + (bytes.count - first) / 2
            var parser = ExpositionStreamParser()
            parser.feed(UnsafeBufferPointer(rebasing: bytes[..<first]))
            parser.feed(UnsafeBufferPointer(rebasing: bytes[first..<second]))
            parser.feed(UnsafeBufferPointer(rebasing: bytes[second...]))
            return parser.finish()
        }
        if streamed.samples != page.samples || streamed.issues != page.issues || streamed.lineCount != page.lineCount
            || streamed.types != page.types || streamed.help != page.help
        {
            fatalError("the page parsed in parts differs from the page parsed whole")
        }
        _ = ScrapeBaseline(MetricsScrape(url: "fuzz", scrapedAt: Date(), page: page)).count
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let before = MetricsScrape(url: "fuzz", scrapedAt: now, page: page)
        let after = MetricsScrape(url: "fuzz", scrapedAt: now.addingTimeInterval(1), page: page)
        // Bounded: a page of many names should not turn one input into minutes of work.
        for name in page.sampleNames.prefix(64) {
            let labels = Array(Set(page.samples(named: name).flatMap { $0.labels.keys }).sorted().prefix(2))
            _ = page.sum(name, by: labels)
            _ = page.max(name, by: labels)
            _ = page.total(name)
            _ = page.value(name)
            _ = after.rate(of: name, since: before, by: labels)
            if name.hasSuffix("_bucket") {
                let family = String(name.dropLast("_bucket".count))
                _ = page.buckets(ofHistogram: family, by: labels)
                _ = page.histogramQuantile(0.99, ofHistogram: family, by: labels)
                _ = after.histogramQuantile(0.99, ofHistogram: family, since: before, by: labels)
            }
        }
        for sample in page.samples.prefix(64) { _ = SampleValueText.format(sample.value) }
    }
}
