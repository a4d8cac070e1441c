import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// One node a ``NodeConnectionWatch`` holds a connection to.
public struct WatchedNode: Sendable, Equatable {
    /// The caller's name for the node (an entity); handed back with its death.
    public var key: String
    public var host: String
    public var port: Int
    /// Written once connected (over TLS for a `tls` node): a request whose answer streams or keeps the
    /// connection open (an etcd watch, a keep-alive GET). Empty: the connection is held without a request.
    public var greeting: [UInt8]
    /// The node serves TLS (an `https` URL): the watch completes a handshake with the cluster's TLS settings
    /// (the calling task's `HTTPSecurityScope`, `server_name` included) before it holds the connection.
    public var tls: Bool

    public init(key: String, host: String, port: Int, greeting: [UInt8] = [], tls: Bool = false) {
        self.key = key
        self.host = host
        self.port = port
        self.greeting = greeting
        self.tls = tls
    }

    var address: String { "\(host):\(port)" }
    /// The URL whose scope settings a TLS node uses.
    var url: String { "https://\(host.contains(":") ? "[\(host)]" : host):\(port)" }
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
    /// Budget of a TLS node's connect and handshake (a handshake costs more than a connect on a busy host).
    public var handshakeTimeout: Duration = .seconds(5)

    public init() {}
}

/// Holds one long-lived TCP connection per node and reports a node whose connection was lost and whose
/// reconnects are refused: a killed process drops its connections at once, so its death is known in
/// milliseconds rather than at the next poll. Idle connections sit on NIO's event loop: no thread and no
/// CPU per node while the nodes are healthy.
///
/// A TLS node's connection is held only after a TLS handshake with the cluster's settings succeeded, so
/// what is held is the server itself, not whatever accepts TCP on the port; a handshake that fails (wrong
/// CA, expired certificate, refused client certificate) holds nothing and is reported through `onTrouble`
/// in TLSFailureText's words. Deaths are still confirmed by plain TCP connects: a refused connect says
/// nothing listens, whatever the port speaks.
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
    /// `onTrouble` gets a node that cannot be watched and why (a TLS handshake that failed), once per
    /// distinct reason until a connection is held again.
    public static func run(
        _ nodes: [WatchedNode], settings: ConnectionWatchSettings = ConnectionWatchSettings(),
        onTrouble: @escaping @Sendable (WatchedNode, String) -> Void = { _, _ in },
        onDeath: @escaping @Sendable (WatchedNode, String) -> Void
    ) async {
        await withTaskGroup(of: Void.self) { group in
            for node in nodes {
                group.addTask { await watch(node, settings: settings, onTrouble: onTrouble, onDeath: onDeath) }
            }
        }
    }

    /// Watches the nodes `list` names until cancelled, listing them again every `refresh` (after a failed
    /// listing, `settings.backoffMax`); a changed list restarts the watch on the new nodes (`onChange` first).
    public static func follow(
        every refresh: Duration, settings: ConnectionWatchSettings = ConnectionWatchSettings(),
        list: @escaping @Sendable () async -> [WatchedNode]?,
        onChange: @escaping @Sendable ([WatchedNode]) -> Void = { _ in },
        onTrouble: @escaping @Sendable (WatchedNode, String) -> Void = { _, _ in },
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
                running = Task { await run(listed, settings: settings, onTrouble: onTrouble, onDeath: onDeath) }
            }
            try? await Task.sleep(for: listed == nil ? settings.backoffMax : refresh)
        }
    }

    static func watch(
        _ node: WatchedNode, settings: ConnectionWatchSettings,
        onTrouble: @escaping @Sendable (WatchedNode, String) -> Void = { _, _ in },
        onDeath: @escaping @Sendable (WatchedNode, String) -> Void
    ) async {
        var backoff = settings.backoffStart
        var reportedTrouble: String?
        // A loss whose confirming connect was accepted: a dying process may close a connection before its
        // listening socket (files close in descriptor order), so the reconnect right after is the
        // confirmation's second chance.
        var unconfirmedLoss: String?
        while !Task.isCancelled {
            let channel: any Channel
            do {
                channel = try await open(node, settings: settings)
            } catch let failed as TLSHandshake.Failed {
                // Something listens but the handshake failed: not a death; say why once, try again later.
                unconfirmedLoss = nil
                var words = TLSFailureText.describe(failed, url: node.url) ?? "\(failed)"
                if TLSFailureText.isVerificationFailure(failed),
                    let dated = await TLSFailureText.verificationFailure(url: node.url, timeout: settings.handshakeTimeout)
                {
                    words = dated
                }
                if words != reportedTrouble {
                    reportedTrouble = words
                    onTrouble(node, "cannot hold a TLS connection to \(node.address): \(words)")
                }
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, settings.backoffMax)
                continue
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
            reportedTrouble = nil
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

    /// A connection to hold: TCP, then for a TLS node the handshake with the calling task's TLS settings for
    /// the node's https origin (the system's CAs when none). A failed handshake throws `TLSHandshake.Failed`.
    static func open(_ node: WatchedNode, settings: ConnectionWatchSettings) async throws -> any Channel {
        guard node.tls else {
            return try await TCPConnectProbe.connect(host: node.host, port: node.port, timeout: settings.probeTimeout)
        }
        let source = HTTPSecurityScope.tlsSource(for: node.url)
        let configuration: TLSConfiguration
        do { configuration = try source?.configuration() ?? TLSConfiguration.makeClientConfiguration() } catch {
            throw TLSHandshake.Failed(underlying: TLSFailureText.Described(error.description))
        }
        return try await TLSHandshake.connect(
            host: node.host, port: node.port, configuration: configuration, serverName: source?.settings.serverName,
            timeout: settings.handshakeTimeout
        ).channel
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
