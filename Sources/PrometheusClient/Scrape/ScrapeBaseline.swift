import Foundation

/// What a later scrape needs of an earlier one to compute rates and increases: every series' value and when
/// the page was read. A monitor keeps one per page between ticks (one per store of a large cluster), so it is
/// kept small: 16 bytes a series, keyed by a hash of the series' name and labels, instead of the parsed page's
/// name, label dictionary and strings per sample (hundreds of bytes each).
///
/// Two different series share a key only on a 64-bit hash collision (about 10⁻¹⁴ for a page's thousand
/// series); the hash is this process's, and a baseline never leaves it.
public struct ScrapeBaseline: Sendable {
    public let url: String
    public let scrapedAt: Date
    private var values: [Int: Double] = [:]

    /// Every sample of `scrape` (the last of a repeated series wins, as in the page's lookups).
    public init(_ scrape: MetricsScrape) {
        url = scrape.url
        scrapedAt = scrape.scrapedAt
        values.reserveCapacity(scrape.page.samples.count)
        for s in scrape.page.samples { values[Self.key(s.name, s.labels)] = s.value }
    }

    /// Series kept.
    public var count: Int { values.count }

    /// The value this baseline holds for the series `name{labels}`.
    public func value(_ name: String, _ labels: LabelSet) -> Double? { values[Self.key(name, labels)] }

    private static func key(_ name: String, _ labels: LabelSet) -> Int {
        var hasher = Hasher()
        hasher.combine(name)
        hasher.combine(labels)
        return hasher.finalize()
    }
}
