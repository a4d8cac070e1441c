/// too-many-regions (tikv-at-scale.md §5 pattern 12): a split storm on one store. Only the store's own
/// counts carry the surplus (PD's `region_count` for it, its `tikv_raftstore_region_count{type="region"}`);
/// the region list and PD's cluster-wide region totals stay the layout's, which the README states.
extension StoreTimeline {
    /// Regions the split storm has added by `time`: rising linearly to `Physics.splitStormRegions` over
    /// `Physics.splitStormRamp`, 0 without the fault.
    func splitStormRegions(at time: SimInstant) -> Int {
        guard let since = tooManyRegionsSince, since <= time else { return 0 }
        let progress = min(1, max(0, (time - since).seconds / Physics.splitStormRamp.seconds))
        return Int((Double(Physics.splitStormRegions) * progress).rounded())
    }
}
