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
        durationMillisecondsField = fields["duration_ms"]
    }

    /// The keys read here, by the bytes of a key as written on the line.
    enum Slot {
        case storeID, storeIDDashed, regionID, regionIDDashed, raftID, peerID, term
        case takes, duration, timeTakes, totalLifetime, spend
        /// A `duration_ms` the line writes itself: kept when no duration field reads as one.
        case durationMilliseconds
    }

    /// Which key this is, if it is one read here: a length switch and one `memcmp`, no text built.
    static func slot(of key: UnsafeBufferPointer<UInt8>) -> Slot? {
        switch key.count {
        case 4: return equal(key, "term") ? .term : nil
        case 5: return equal(key, "takes") ? .takes : equal(key, "spend") ? .spend : nil
        case 7: return equal(key, "raft_id") ? .raftID : equal(key, "peer_id") ? .peerID : nil
        case 8:
            return equal(key, "store_id") ? .storeID : equal(key, "store-id") ? .storeIDDashed
                : equal(key, "duration") ? .duration : nil
        case 9: return equal(key, "region_id") ? .regionID : equal(key, "region-id") ? .regionIDDashed : nil
        case 10: return equal(key, "time_takes") ? .timeTakes : nil
        case 11: return equal(key, "duration_ms") ? .durationMilliseconds : nil
        case 14: return equal(key, "total_lifetime") ? .totalLifetime : nil
        default: return nil
        }
    }

    /// The line's own `duration_ms`, when it writes one.
    var durationMillisecondsField: String?

    /// Keeps the first value of a slot, as the field dictionary keeps the first of a repeated key.
    mutating func fill(_ slot: Slot, with value: String) {
        switch slot {
        case .storeID: storeID = storeID ?? value
        case .storeIDDashed: storeIDDashed = storeIDDashed ?? value
        case .regionID: regionID = regionID ?? value
        case .regionIDDashed: regionIDDashed = regionIDDashed ?? value
        case .raftID: raftID = raftID ?? value
        case .peerID: peerID = peerID ?? value
        case .term: term = term ?? value
        case .takes: takes = takes ?? value
        case .duration: duration = duration ?? value
        case .timeTakes: timeTakes = timeTakes ?? value
        case .totalLifetime: totalLifetime = totalLifetime ?? value
        case .spend: spend = spend ?? value
        case .durationMilliseconds: durationMillisecondsField = durationMillisecondsField ?? value
        }
    }

    /// Notes the first occurrence of a key (as written on the line) and its decoded value.
    mutating func note(key: UnsafeBufferPointer<UInt8>, escaped: Bool, value: String) {
        if escaped {
            isComplete = false
            return
        }
        if let slot = Self.slot(of: key) { fill(slot, with: value) }
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
