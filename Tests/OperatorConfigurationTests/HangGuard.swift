import Foundation
import Synchronization

/// Runs synchronous work on a thread of its own and waits for it without blocking a cooperative thread.
/// If the work has not finished after `limit` (a hang guard, not a timing assertion), returns nil and
/// leaves the thread to finish on its own, so the suite reports a failure instead of hanging.
func finishing<T: Sendable>(within limit: Duration, _ work: @escaping @Sendable () -> T) async -> T? {
    let result = Mutex<T?>(nil)
    let done = Mutex(false)
    let thread = Thread {
        let value = work()
        result.withLock { $0 = value }
        done.withLock { $0 = true }
    }
    // The composer recurses; give it a main-thread-sized stack.
    thread.stackSize = 8 << 20
    thread.start()
    let deadline = ContinuousClock.now + limit
    while !done.withLock({ $0 }) && ContinuousClock.now < deadline {
        try? await Task.sleep(for: .milliseconds(10))
    }
    return result.withLock { $0 }
}
