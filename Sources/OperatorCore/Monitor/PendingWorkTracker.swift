/// Names the outbound work an observation still has running, so a tick that runs out of time can say what
/// it was waiting for ("GET http://…/stores (reading the body, 12 bytes so far, 9.8s elapsed)").
///
/// The core does not know how subjects reach their clusters; the composition root supplies a tracker that
/// does (for HTTP, a registry the shared client fills while `track` runs).
public protocol PendingWorkTracker: Sendable {
    /// Runs one observation so that the work it starts, in any child task, is recorded until it ends.
    func track<T: Sendable>(_ operation: @Sendable () async throws -> T) async throws -> T
    /// The recorded work still running, one line each, longest-running first.
    func pending() -> [String]
}
