/// What the subject remembers between observations: which PD member led, so a leader that disappears can
/// still be named after a follower took over.
actor ObservationMemory {
    private var currentLeader: String?
    private var previousLeader: String?

    /// Records this observation's leader (nil: none elected or unknown) and returns the one before it.
    func recordLeader(_ leader: String?, known: Bool) -> String? {
        guard known else { return previousLeader ?? currentLeader }
        if leader != currentLeader {
            if let current = currentLeader { previousLeader = current }
            currentLeader = leader
        }
        return previousLeader
    }
}
