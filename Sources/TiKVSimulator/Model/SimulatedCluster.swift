import Synchronization

/// The cluster model behind one lock, shared by every listener and the physics loop.
final class SimulatedCluster: Sendable {
    private let model: Mutex<ClusterModel>
    let requests = RequestCounter()

    init(configuration: TiKVSimulatorConfiguration) {
        model = Mutex(ClusterModel(configuration: configuration))
    }

    /// Runs `body` on the model brought up to PD time now.
    func withModel<T: Sendable>(_ body: (inout ClusterModel, SimInstant) throws(TiKVSimulatorError) -> T) throws(TiKVSimulatorError) -> T {
        try model.withLock { (model: inout ClusterModel) throws(TiKVSimulatorError) -> T in
            let now = model.now()
            return try body(&model, now)
        }
    }

    func read<T: Sendable>(_ body: (inout ClusterModel, SimInstant) -> T) -> T {
        model.withLock { (model: inout ClusterModel) -> T in
            let now = model.now()
            return body(&model, now)
        }
    }
}

/// How often each path was requested, across all PD members. Tests use it to prove that a client
/// never lists every region (`/pd/api/v1/regions`).
final class RequestCounter: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    func record(_ path: String) {
        counts.withLock { $0[path, default: 0] += 1 }
    }

    func count(_ path: String) -> Int {
        counts.withLock { $0[path] ?? 0 }
    }

    var all: [String: Int] { counts.withLock { $0 } }
}
