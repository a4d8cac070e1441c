import Foundation

/// `GET /api/v1/targets` data (etcd-prometheus-observed.md §B).
public struct PrometheusTargets: Sendable, Hashable, Decodable {
    public var activeTargets: [ActiveTarget]
    public var droppedTargets: [DroppedTarget]

    public init(activeTargets: [ActiveTarget], droppedTargets: [DroppedTarget] = []) {
        self.activeTargets = activeTargets
        self.droppedTargets = droppedTargets
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        // `?state=dropped` omits activeTargets and the reverse; absent means none.
        activeTargets = try c.decodeIfPresent([ActiveTarget].self, forKey: .activeTargets) ?? []
        droppedTargets = try c.decodeIfPresent([DroppedTarget].self, forKey: .droppedTargets) ?? []
    }

    enum CodingKeys: String, CodingKey {
        case activeTargets, droppedTargets
    }

    public struct ActiveTarget: Sendable, Hashable, Decodable {
        public var discoveredLabels: LabelSet
        public var labels: LabelSet
        public var scrapePool: String
        public var scrapeURL: String
        public var globalURL: String?
        /// Empty when the last scrape succeeded.
        public var lastError: String
        public var lastScrape: Date?
        public var lastScrapeDuration: Double?
        public var health: Health
        public var scrapeInterval: String?
        public var scrapeTimeout: String?

        public var instance: String? { labels["instance"] }
        public var job: String? { labels["job"] }

        enum CodingKeys: String, CodingKey {
            case discoveredLabels, labels, scrapePool
            case scrapeURL = "scrapeUrl"
            case globalURL = "globalUrl"
            case lastError, lastScrape, lastScrapeDuration, health, scrapeInterval, scrapeTimeout
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            discoveredLabels = try c.decodeIfPresent(LabelSet.self, forKey: .discoveredLabels) ?? [:]
            labels = try c.decode(LabelSet.self, forKey: .labels)
            scrapePool = try c.decodeIfPresent(String.self, forKey: .scrapePool) ?? ""
            scrapeURL = try c.decode(String.self, forKey: .scrapeURL)
            globalURL = try c.decodeIfPresent(String.self, forKey: .globalURL)
            lastError = try c.decodeIfPresent(String.self, forKey: .lastError) ?? ""
            // Go's RFC3339Nano with 9 fraction digits; a target never scraped shows the zero time.
            if let text = try c.decodeIfPresent(String.self, forKey: .lastScrape) {
                lastScrape = RFC3339.parse(text)
            }
            lastScrapeDuration = try c.decodeIfPresent(Double.self, forKey: .lastScrapeDuration)
            health = Health(rawValue: try c.decode(String.self, forKey: .health)) ?? .unknown
            scrapeInterval = try c.decodeIfPresent(String.self, forKey: .scrapeInterval)
            scrapeTimeout = try c.decodeIfPresent(String.self, forKey: .scrapeTimeout)
        }
    }

    public struct DroppedTarget: Sendable, Hashable, Decodable {
        public var discoveredLabels: LabelSet
    }

    public enum Health: String, Sendable, Hashable {
        case up, down, unknown
    }
}

/// RFC 3339 with 0–9 fraction digits and any offset; kept here so this module needs nothing from the core.
enum RFC3339 {
    static func parse(_ text: String) -> Date? {
        let s = Array(text.utf8)
        guard s.count >= 20, s[4] == 45, s[7] == 45, s[10] == 84 || s[10] == 116 || s[10] == 32, s[13] == 58,
            s[16] == 58
        else { return nil }
        func int(_ r: Range<Int>) -> Int? {
            var v = 0
            for i in r {
                guard s[i] >= 48, s[i] <= 57 else { return nil }
                v = v * 10 + Int(s[i] - 48)
            }
            return v
        }
        guard let y = int(0..<4), let mo = int(5..<7), let d = int(8..<10), let h = int(11..<13),
            let mi = int(14..<16), let sec = int(17..<19)
        else { return nil }
        var i = 19
        var fraction = 0.0
        if i < s.count, s[i] == 46 {
            i += 1
            var scale = 0.1
            while i < s.count, s[i] >= 48, s[i] <= 57 {
                fraction += Double(s[i] - 48) * scale
                scale /= 10
                i += 1
            }
        }
        var offset = 0
        guard i < s.count else { return nil }
        if s[i] == 90 || s[i] == 122 {
            i += 1
        } else if s[i] == 43 || s[i] == 45, i + 6 == s.count, let oh = int(i + 1..<i + 3), let om = int(i + 4..<i + 6) {
            offset = (s[i] == 45 ? -1 : 1) * (oh * 3600 + om * 60)
            i += 6
        } else {
            return nil
        }
        guard i == s.count else { return nil }
        // Days from civil (Howard Hinnant), exact for the proleptic Gregorian calendar.
        let yy = mo <= 2 ? y - 1 : y
        let era = (yy >= 0 ? yy : yy - 399) / 400
        let yoe = yy - era * 400
        let doy = (153 * ((mo + 9) % 12) + 2) / 5 + d - 1
        let days = era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468
        return Date(timeIntervalSince1970: Double(days * 86400 + h * 3600 + mi * 60 + sec - offset) + fraction)
    }
}
