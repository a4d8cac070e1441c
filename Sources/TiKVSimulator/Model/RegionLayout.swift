/// Places every region by arithmetic, so a million regions cost a few arrays, not a million objects.
///
/// Region `i` has its replicas on the consecutive stores `i mod S, i+1 mod S, …` and prefers the
/// replica in slot `(i / S) mod R` as leader. Two regions with the same `(i mod S, slot)` — a
/// *cohort* — share the same stores and preferred leader, so they always share peer state, leader
/// and health. Counts per store and per check state are sums over S × R cohorts, whatever the
/// region count; a single region's JSON is generated on demand from its id.
struct RegionLayout: Sendable {
    let regionCount: Int
    let storeCount: Int
    /// Replicas a region actually has: `max-replicas`, or fewer when there are fewer stores.
    let replicas: Int
    let desiredReplicas: Int
    let seed: UInt64

    /// Per cohort (index `column * replicas + slot`): regions, total size (MiB), keys, empty regions.
    let cohortRegions: [Int]
    let cohortSizeMiB: [Int64]
    let cohortKeys: [Int64]
    let cohortEmpty: [Int]
    /// Regions under PD's merge thresholds (`max-merge-region-size` 54 MiB and
    /// `max-merge-region-keys` 540000): PD's `undersized-region`.
    let cohortUndersized: [Int]

    /// Region and peer ids come from one allocator in PD; here a region owns a block of ids.
    static let firstRegionID: UInt64 = 2_000
    static let idStride: UInt64 = 16

    init(regionCount: Int, storeCount: Int, maxReplicas: Int, seed: UInt64) {
        self.regionCount = regionCount
        self.storeCount = storeCount
        self.replicas = min(maxReplicas, storeCount)
        self.desiredReplicas = maxReplicas
        self.seed = seed
        let cohorts = storeCount * replicas
        var regions = [Int](repeating: 0, count: cohorts)
        var sizes = [Int64](repeating: 0, count: cohorts)
        var keys = [Int64](repeating: 0, count: cohorts)
        var empty = [Int](repeating: 0, count: cohorts)
        var undersized = [Int](repeating: 0, count: cohorts)
        // One pass at start-up (tens of milliseconds for a million regions); requests never loop
        // over regions again except to list a bounded page of them.
        for index in 0..<regionCount {
            let cohort = RegionLayout.cohort(ofRegion: index, stores: storeCount, replicas: replicas)
            let hash = RegionLayout.mix(seed &+ UInt64(index))
            regions[cohort] += 1
            let size = RegionLayout.sizeMiB(hash: hash)
            sizes[cohort] += size
            let regionKeys = RegionLayout.keys(hash: hash, sizeMiB: size)
            keys[cohort] += regionKeys
            if size <= 1 { empty[cohort] += 1 }
            if RegionLayout.isUndersized(sizeMiB: size, keys: regionKeys) { undersized[cohort] += 1 }
        }
        self.cohortRegions = regions
        self.cohortSizeMiB = sizes
        self.cohortKeys = keys
        self.cohortEmpty = empty
        self.cohortUndersized = undersized
    }

    var cohortCount: Int { storeCount * replicas }

    static func cohort(ofRegion index: Int, stores: Int, replicas: Int) -> Int {
        let column = index % stores
        let slot = (index / stores) % replicas
        return column * replicas + slot
    }

    func cohort(ofRegion index: Int) -> Int {
        RegionLayout.cohort(ofRegion: index, stores: storeCount, replicas: replicas)
    }

    func column(ofCohort cohort: Int) -> Int { cohort / replicas }
    func preferredSlot(ofCohort cohort: Int) -> Int { cohort % replicas }

    /// Store index (0-based) holding slot `slot` of the regions in `column`.
    func storeIndex(column: Int, slot: Int) -> Int { (column + slot) % storeCount }

    /// Region indices of a cohort in increasing order.
    func regionIndices(ofCohort cohort: Int) -> StrideTo<Int> {
        let column = column(ofCohort: cohort)
        let slot = preferredSlot(ofCohort: cohort)
        return stride(from: column + storeCount * slot, to: regionCount, by: storeCount * replicas)
    }

    func regionID(_ index: Int) -> UInt64 { RegionLayout.firstRegionID + UInt64(index) * RegionLayout.idStride }

    func regionIndex(ofID id: UInt64) -> Int? {
        guard id >= RegionLayout.firstRegionID else { return nil }
        let offset = id - RegionLayout.firstRegionID
        guard offset % RegionLayout.idStride == 0 else { return nil }
        let index = offset / RegionLayout.idStride
        guard index < UInt64(regionCount) else { return nil }
        return Int(index)
    }

    /// Peer ids: slots take `region+1…`, a replacement peer added by PD takes `region+6…`.
    func peerID(region index: Int, slot: Int, replacement: Bool) -> UInt64 {
        regionID(index) + 1 + UInt64(slot) + (replacement ? 5 : 0)
    }

    func hash(_ index: Int) -> UInt64 { RegionLayout.mix(seed &+ UInt64(index)) }

    func sizeMiB(_ index: Int) -> Int64 { RegionLayout.sizeMiB(hash: hash(index)) }
    func keys(_ index: Int) -> Int64 {
        let h = hash(index)
        return RegionLayout.keys(hash: h, sizeMiB: RegionLayout.sizeMiB(hash: h))
    }

    /// About one region in fifty is empty (`approximate_size` ≤ 1 MiB is PD's `empty-region`);
    /// the others hold 20–96 MiB (TiKV splits at 96 MiB by default).
    static func sizeMiB(hash: UInt64) -> Int64 {
        if hash % 50 == 7 { return 1 }
        return 20 + Int64((hash >> 8) % 77)
    }

    static func isUndersized(sizeMiB: Int64, keys: Int64) -> Bool { sizeMiB < 54 && keys < 540_000 }

    func isEmpty(_ index: Int) -> Bool { sizeMiB(index) <= 1 }
    func isUndersized(_ index: Int) -> Bool { RegionLayout.isUndersized(sizeMiB: sizeMiB(index), keys: keys(index)) }

    static func keys(hash: UInt64, sizeMiB: Int64) -> Int64 {
        if sizeMiB <= 1 { return 0 }
        return sizeMiB * (8_000 + Int64((hash >> 20) % 4_000))
    }

    /// Region boundaries as PD prints them: upper-case hex of a memcomparable key, `""` at both
    /// ends of the key space (tikv-interfaces.md §1.3).
    func startKey(_ index: Int) -> String { index == 0 ? "" : boundaryKey(index) }
    func endKey(_ index: Int) -> String { index == regionCount - 1 ? "" : boundaryKey(index + 1) }

    private func boundaryKey(_ boundary: Int) -> String {
        let hex = String(UInt64(boundary), radix: 16, uppercase: true)
        return "7480000000000000FF" + String(repeating: "0", count: 16 - hex.count) + hex + "F8"
    }

    /// splitmix64: a cheap, well-mixed hash so sizes look random but are reproducible.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
