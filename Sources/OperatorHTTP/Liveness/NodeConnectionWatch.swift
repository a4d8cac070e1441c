import NIOCore
import NIOPosix
import Synchronization

/// One node a ``NodeConnectionWatch`` holds a connection to.
public struct WatchedNode: Sendable, Equatable {
    /// The caller's name for the node (an entity); handed back with its death.
    public var key: String
    public var host: String
    public var port: Int
    /// Written once connected: a request whose answer streams or keeps the connection open (an etcd watch,
    /// a keep-alive GET). Empty: a bare TCP connection is held.
    public var greeting: [UInt8]

    public init(key: String, host: String, port: Int, greeting: [UInt8] = []) {
        self.key = key
        self.host = host
        self.port = port
        self.greeting = greeting
    }

    var address: String { "\(host):\(port)" }
}

/// How a watch confirms a death and paces its reconnects.
public struct ConnectionWatchSettings: Sendable, Equatable {
    /// Budget of one confirming connect (a refusal comes back at once; this bounds a silent host).
    public var probeTimeout: Duration = .milliseconds(250)
    /// Refused connects in a row, `confirmGap` apart, that confirm a death. A single reset of a live
    /// node reconnects on the first try and signals nothing.
    public var confirmations = 2
    public var confirmGap: Duration = .milliseconds(100)
    /// Reconnect backoff, doubled per failure: while a node is dead, and when its connections keep
    /// being closed soon after they open (a server that drops idle connections), so nothing spins.
    public var backoffStart: Duration = .milliseconds(200)
    public var backoffMax: Duration = .seconds(5)
    /// A connection that lived at least this long resets the backoff.
    public var stableAfter: Duration = .seconds(5)

    public init() {}
}

/// Holds one long-lived TCP connection per node and reports a node whose connection was lost and whose
/// reconnects are refused: a killed process drops its connections at once, so its death is known in
/// milliseconds rather than at the next poll. Idle connections sit on NIO's event loop: no thread and no
/// CPU per node while the nodes are healthy.
public enum NodeConnectionWatch {
    /// Connections every watch in this process holds now, by `host:port`: what "at most one connection per
    /// node" is measured by, and how a test knows a watch is in place before it kills a node.
    private static let held = Mutex<[String: Int]>([:])

    /// Connections held now to `host:port` by every watch in this process.
    public static func heldConnections(to host: String, port: Int) -> Int {
        held.withLock { $0["\(host):\(port)"] ?? 0 }
    }

    /// Connections held now by every watch in this process.
    public static var heldConnections: Int { held.withLock { $0.values.reduce(0, +) } }

    /// Watches every node until cancelled. `onDeath` gets the node and what was seen, once per death
    /// (again only after the node accepted connections in between).
    public static func run(
        _ nodes: [WatchedNode], settings: ConnectionWatchSettings = ConnectionWatchSettings(),
        onDeath: @escaping @Sendable (WatchedNode, String) -> Void
    ) async {
        await withTaskGroup(of: Void.self) { group in
            for node in nodes {
                group.addTask { await watch(node, settings: settings, onDeath: onDeath) }
            }
        }
    }

    /// Watches the nodes `list` names until cancelled, listing them again every `refresh` (after a failed
    /// listing, `settings.backoffMax`); a changed list restarts the watch on the new nodes (`onChange` first).
    public static func follow(
        every refresh: Duration, settings: ConnectionWatchSettings = ConnectionWatchSettings(),
        list: @escaping @Sendable () async -> [WatchedNode]?,
        onChange: @escaping @Sendable ([WatchedNode]) -> Void = { _ in },
        onDeath: @escaping @Sendable (WatchedNode, String) -> Void
    ) async {
        var nodes: [WatchedNode] = []
        var running: Task<Void, Never>?
        defer { running?.cancel() }
        while !Task.isCancelled {
            let listed = await list()
            if let listed, listed != nodes {
                running?.cancel()
                nodes = listed
                onChange(listed)
                running = Task { await run(listed, settings: settings, onDeath: onDeath) }
            }
            try? await Task.sleep(for: listed == nil ? settings.backoffMax : refresh)
        }
    }

    static func watch(
        _ node: WatchedNode, settings: ConnectionWatchSettings, onDeath: @escaping @Sendable (WatchedNode, String) -> Void
    ) async {
        var backoff = settings.backoffStart
        // A loss whose confirming connect was accepted: a dying process may close a connection before its
        // listening socket (files close in descriptor order), so the reconnect right after is the
        // confirmation's second chance.
        var unconfirmedLoss: String?
        while !Task.isCancelled {
            let channel: any Channel
            do {
                channel = try await TCPConnectProbe.connect(host: node.host, port: node.port, timeout: settings.probeTimeout)
            } catch {
                if let lost = unconfirmedLoss, case .refused = TCPConnectProbe.classify(error),
                    let death = await confirmDeath(node, settings: settings)
                {
                    unconfirmedLoss = nil
                    onDeath(node, "connection to \(node.address) \(lost); \(death)")
                    backoff = settings.backoffStart
                    await waitUntilAccepting(node, settings: settings)
                    continue
                }
                unconfirmedLoss = nil
                // Down (or unreachable) before we held anything: no connection lost, nothing to signal; the
                // regular poll reports what it finds. Try again later.
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, settings.backoffMax)
                continue
            }
            unconfirmedLoss = nil
            let opened = ContinuousClock.now
            held.withLock { $0[node.address, default: 0] += 1 }
            let lost = await hold(channel, greeting: node.greeting)
            held.withLock { h in
                h[node.address, default: 1] -= 1
                if h[node.address] == 0 { h[node.address] = nil }
            }
            if Task.isCancelled { return }
            let lived = ContinuousClock.now - opened
            if let death = await confirmDeath(node, settings: settings) {
                onDeath(node, "connection to \(node.address) \(lost); \(death)")
                backoff = settings.backoffStart
                await waitUntilAccepting(node, settings: settings)
                continue
            }
            // Alive: a transient reset, or the server closed the connection. Reconnect now, unless
            // connections keep dying young.
            unconfirmedLoss = lost
            if lived >= settings.stableAfter {
                backoff = settings.backoffStart
            } else {
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, settings.backoffMax)
            }
        }
    }

    /// Writes the greeting and waits for the connection to close; says how it ended.
    static func hold(_ channel: any Channel, greeting: [UInt8]) async -> String {
        if !greeting.isEmpty {
            do {
                try await channel.writeAndFlush(channel.allocator.buffer(bytes: greeting))
            } catch {
                try? await channel.close()
                return "failed on write (\(error))"
            }
        }
        await withTaskCancellationHandler {
            try? await channel.closeFuture.get()
        } onCancel: {
            channel.close(promise: nil)
        }
        return "was closed"
    }

    /// Confirms with `confirmations` connects, `confirmGap` apart, that all were refused: returns what
    /// was seen, or nil when the node accepted (alive) or a probe was inconclusive.
    static func confirmDeath(_ node: WatchedNode, settings: ConnectionWatchSettings) async -> String? {
        var refusals = 0
        var last = ""
        while refusals < settings.confirmations {
            if refusals > 0 { try? await Task.sleep(for: settings.confirmGap) }
            if Task.isCancelled { return nil }
            switch await TCPConnectProbe.probe(host: node.host, port: node.port, timeout: settings.probeTimeout) {
            case .refused(let why):
                refusals += 1
                last = why
            case .accepted, .inconclusive:
                return nil
            }
        }
        return "reconnect refused \(refusals) time(s), \(settings.confirmGap) apart (\(last))"
    }

    /// Backs off until the node accepts a connection again.
    static func waitUntilAccepting(_ node: WatchedNode, settings: ConnectionWatchSettings) async {
        var backoff = settings.backoffStart
        while !Task.isCancelled {
            try? await Task.sleep(for: backoff)
            if case .accepted = await TCPConnectProbe.probe(host: node.host, port: node.port, timeout: settings.probeTimeout) { return }
            backoff = min(backoff * 2, settings.backoffMax)
        }
    }
}
