import Foundation
import OperatorCore
import OperatorTestSupport
import Testing

/// `LeaseStore` on SQLite: take, renew, hand over after expiry, release, and one winner under a race.
@Suite("SQLite lease store")
struct LeaseStoreTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func aFreeLeaseIsTakenAndALiveOneIsNot() async throws {
        let db = try TemporaryDatabase()
        defer { db.cleanup() }
        let store = try SQLiteTicketStore(path: db.path)
        let taken = try await store.acquireLease("cluster:a", holder: "r1", duration: .seconds(10), now: start)
        #expect(taken.holder == "r1" && taken.generation == 1)
        #expect(taken.acquiredAt == start && taken.expiresAt == start.addingTimeInterval(10))
        let refused = try await store.acquireLease("cluster:a", holder: "r2", duration: .seconds(10), now: start.addingTimeInterval(5))
        #expect(refused.holder == "r1" && refused.generation == 1 && refused.expiresAt == start.addingTimeInterval(10))
    }

    @Test func aRenewalKeepsAcquiredAtAndGeneration() async throws {
        let db = try TemporaryDatabase()
        defer { db.cleanup() }
        let store = try SQLiteTicketStore(path: db.path)
        _ = try await store.acquireLease("cluster:a", holder: "r1", duration: .seconds(10), now: start)
        let renewed = try await store.acquireLease("cluster:a", holder: "r1", duration: .seconds(10), now: start.addingTimeInterval(4))
        #expect(renewed.holder == "r1" && renewed.generation == 1 && renewed.acquiredAt == start)
        #expect(renewed.expiresAt == start.addingTimeInterval(14))
    }

    @Test func anExpiredLeaseChangesHandsAndItsGenerationGrows() async throws {
        let db = try TemporaryDatabase()
        defer { db.cleanup() }
        let store = try SQLiteTicketStore(path: db.path)
        _ = try await store.acquireLease("cluster:a", holder: "r1", duration: .seconds(10), now: start)
        let later = start.addingTimeInterval(10)  // expires_at <= now: expired
        let taken = try await store.acquireLease("cluster:a", holder: "r2", duration: .seconds(10), now: later)
        #expect(taken.holder == "r2" && taken.generation == 2 && taken.acquiredAt == later)
        // The old holder, back from a stall, finds it gone.
        let stale = try await store.acquireLease("cluster:a", holder: "r1", duration: .seconds(10), now: later.addingTimeInterval(1))
        #expect(stale.holder == "r2" && stale.generation == 2)
    }

    @Test func releaseFreesTheLeaseAtOnceButOnlyForItsHolder() async throws {
        let db = try TemporaryDatabase()
        defer { db.cleanup() }
        let store = try SQLiteTicketStore(path: db.path)
        _ = try await store.acquireLease("outbox", holder: "r1", duration: .seconds(60), now: start)
        try await store.releaseLease("outbox", holder: "r2")
        #expect(try await store.leases().first?.isHeld(by: "r1", at: start.addingTimeInterval(1)) == true)
        try await store.releaseLease("outbox", holder: "r1")
        let taken = try await store.acquireLease("outbox", holder: "r2", duration: .seconds(60), now: start.addingTimeInterval(1))
        #expect(taken.holder == "r2" && taken.generation == 2)
        #expect(try await store.leases().map(\.name) == ["outbox"])
    }

    /// Two connections (two pools, as two processes would have) race for the same free lease again and
    /// again: every time exactly one wins and both are told the same holder.
    @Test func racingReplicasNeverBothWin() async throws {
        let db = try TemporaryDatabase()
        defer { db.cleanup() }
        let one = try SQLiteTicketStore(path: db.path)
        let two = try SQLiteTicketStore(path: db.path)
        for round in 0..<40 {
            let name = "cluster:c\(round)"
            async let first = one.acquireLease(name, holder: "r1", duration: .seconds(10), now: start)
            async let second = two.acquireLease(name, holder: "r2", duration: .seconds(10), now: start)
            let (a, b) = try await (first, second)
            #expect(a.holder == b.holder, "round \(round): r1 saw \(a.holder), r2 saw \(b.holder)")
            #expect(a.generation == 1 && b.generation == 1)
        }
        let holders = try await one.leases().map(\.holder)
        #expect(holders.count == 40)
    }

    /// Replicas started together on a new file all migrate it: the losers of the race find the winner's
    /// migrations applied instead of failing on them.
    @Test func replicasOpeningANewFileTogetherAllSucceed() async throws {
        for _ in 0..<5 {
            let db = try TemporaryDatabase()
            defer { db.cleanup() }
            let path = db.path
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 {
                    group.addTask { _ = try SQLiteTicketStore(path: path) }
                }
                try await group.waitForAll()
            }
            let store = try SQLiteTicketStore(path: path)
            #expect(try await store.leases().isEmpty)
        }
    }
}
