extension TiKVSnapshot {
    /// Why an invariant that reads PD's store list has no verdict, when the list could not be read.
    /// Every store invariant starts its `unavailableReason` with this, in the same words.
    var storeListUnavailable: String? { storesError.map { "PD's store list is unavailable: \($0)" } }
}
