import Foundation
import OperatorCore

/// The line fields an event's normalised fields come from (`store_id`/`store-id`, `region_id`/`region-id`,
/// `raft_id`, `peer_id`, `term` and the duration fields), noted by their key's bytes while the fields are
/// walked, so that building an event asks the field dictionary nothing (twelve hashed lookups an event).
///
/// Each holds the first value of its key, as the field dictionary does. A key written escaped might
/// decode to one of these names; then ``isComplete`` is false and the dictionary is asked instead.
struct TiKVLogFieldSources {
    var storeID: String?
    var storeIDDashed: String?
    var regionID: String?
    var regionIDDashed: String?
    var raftID: String?
    var peerID: String?
    var term: String?
    /// `takes`, `duration`, `time_takes`, `total_lifetime`, `spend`: the first that reads as a duration wins.
    var takes: String?
    var duration: String?
    var timeTakes: String?
    var totalLifetime: String?
    var spend: String?
    private(set) var isComplete = true

    init() {}

    /// Everything from a finished field dictionary (the JSON variant, or a line with an escaped key).
    init(_ fields: [String: String]) {
        storeID = fields["store_id"]
        storeIDDashed = fields["store-id"]
        regionID = fields["region_id"]
        regionIDDashed = fields["region-id"]
        raftID = fields["raft_id"]
        peerID = fields["peer_id"]
        term = fields["term"]
        takes = fields["takes"]
        duration = fields["duration"]
        timeTakes = fields["time_takes"]
        totalLifetime = fields["total_lifetime"]
        spend = fields["spend"]
    }

    /// Notes the first occurrence of a key (as written on the line) and its decoded value.
    mutating func note(key: UnsafeBufferPointer<UInt8>, escaped: Bool, value: String) {
        if escaped {
            isComplete = false
            return
        }
        switch key.count {
        case 4: if Self.equal(key, "term") { term = value }
        case 5:
            if Self.equal(key, "takes") {
                takes = value
            } else if Self.equal(key, "spend") {
                spend = value
            }
        case 7:
            if Self.equal(key, "raft_id") {
                raftID = value
            } else if Self.equal(key, "peer_id") {
                peerID = value
            }
        case 8:
            if Self.equal(key, "store_id") {
                storeID = value
            } else if Self.equal(key, "store-id") {
                storeIDDashed = value
            } else if Self.equal(key, "duration") {
                duration = value
            }
        case 9:
            if Self.equal(key, "region_id") {
                regionID = value
            } else if Self.equal(key, "region-id") {
                regionIDDashed = value
            }
        case 10: if Self.equal(key, "time_takes") { timeTakes = value }
        case 14: if Self.equal(key, "total_lifetime") { totalLifetime = value }
        default: break
        }
    }

    /// Milliseconds of the first duration field that reads as one, formatted (`duration_ms`).
    func durationMilliseconds() -> String? {
        guard let ms = Self.milliseconds(takes) ?? Self.milliseconds(duration) ?? Self.milliseconds(timeTakes)
            ?? Self.milliseconds(totalLifetime) ?? Self.milliseconds(spend)
        else { return nil }
        return LogText.format(milliseconds: ms)
    }

    private static func milliseconds(_ text: String?) -> Double? { text.flatMap(LogLineText.milliseconds) }

    private static func equal(_ bytes: UnsafeBufferPointer<UInt8>, _ literal: StaticString) -> Bool {
        guard bytes.count == literal.utf8CodeUnitCount, let base = bytes.baseAddress else { return false }
        return memcmp(base, literal.utf8Start, bytes.count) == 0
    }
}
