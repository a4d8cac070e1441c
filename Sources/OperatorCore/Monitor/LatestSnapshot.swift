/// The most recent snapshot the monitor took, shared with the diagnosis runner in the same process so
/// gathering evidence does not observe the cluster a second time.
public actor LatestSnapshot<Snapshot: SubjectSnapshot> {
    public private(set) var value: Snapshot?

    public init() {}

    public func update(_ snapshot: Snapshot) { value = snapshot }
}
