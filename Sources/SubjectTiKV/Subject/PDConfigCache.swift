import Foundation

/// PD's schedule and replication settings, read at most once per ``interval``: they change by operator
/// action, not by the second, and every tick need not ask.
actor PDConfigCache {
    let interval: TimeInterval
    private var schedule: (value: Double?, readAt: Date)?
    private var replicate: (value: Int?, readAt: Date)?

    init(interval: TimeInterval = 60) {
        self.interval = interval
    }

    /// `max-store-down-time` in seconds, from the cache while fresh, else from `read`; on failure no value
    /// and a note saying why.
    func maxStoreDownTime(
        at now: Date, read: @Sendable () async throws(PDClientError) -> PDScheduleConfig
    ) async -> (value: Double?, note: String?) {
        if let cached = schedule, fresh(cached.readAt, now) { return (cached.value, nil) }
        do {
            let value = try await read().maxStoreDownTime?.seconds
            schedule = (value, now)
            return (value, nil)
        } catch {
            return (nil, "schedule config unavailable: \(error)")
        }
    }

    /// `max-replicas`, cached like ``maxStoreDownTime(at:read:)``.
    func maxReplicas(
        at now: Date, read: @Sendable () async throws(PDClientError) -> PDReplicationConfig
    ) async -> (value: Int?, note: String?) {
        if let cached = replicate, fresh(cached.readAt, now) { return (cached.value, nil) }
        do {
            let value = try await read().maxReplicas
            replicate = (value, now)
            return (value, nil)
        } catch {
            return (nil, "replication config unavailable: \(error)")
        }
    }

    private func fresh(_ readAt: Date, _ now: Date) -> Bool {
        let age = now.timeIntervalSince(readAt)
        return age >= 0 && age < interval
    }
}
