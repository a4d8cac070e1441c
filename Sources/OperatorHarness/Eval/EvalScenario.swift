import Foundation
import OperatorConfiguration
import OperatorCore
import Yams

/// One eval scenario, from a YAML file:
///
/// ```yaml
/// name: store-down-under-load
/// subject: tikv                # a registered subject (`operator subjects`)
/// backend: simulator           # one of its deployment backends; default: the subject's own
/// cluster: { stores: 5 }       # pd members optional; etcd: { members: 3 }
/// load: { qps: 2000 }          # optional background load (simulator)
/// faults:
///   - { kind: store-down, target: "store:4", at: 5s }
/// expect: { category: node-down, entity: "store:4" }
/// ```
/// `subject: tikv-sim` is the old spelling of `subject: tikv` + `backend: simulator`; it still works, with
/// a deprecation note, for one release.
///
/// or a stored diagnosis context (`operator diagnose --replay --export-context`) replayed without a cluster:
///
/// ```yaml
/// name: replayed-store-down
/// replay: contexts/store-down.json
/// expect: { category: node-down, entity: "store:2" }
/// ```
public struct EvalScenario: Sendable {
    public struct Fault: Sendable, Decodable {
        public var kind: String
        public var target: String
        public var at: String?
    }

    public struct Cluster: Sendable, Decodable {
        public var stores: Int?
        public var pd: Int?
        public var members: Int?
        public var regions: Int?
    }

    public struct Load: Sendable, Decodable {
        public var qps: Double?
    }

    public struct Expectation: Sendable, Codable, Equatable {
        public var category: String
        public var entity: Entity
    }

    public var file: String
    public var name: String
    public var subject: String
    /// The deployment backend the cluster runs on (`simulator`, `process`, `compose`); `nil` for a replay.
    public var backend: String?
    public var cluster: Cluster
    public var load: Load
    public var faults: [Fault]
    public var expect: Expectation
    /// Absolute path of a stored context to replay instead of running a cluster.
    public var replay: String?
    /// How long to keep watching after the last fault and diagnosis, at least (`settle: 12s`): for a fault
    /// that takes time to show what it is (a restart loop needs two restarts). `nil`: the runner's default.
    public var settle: Duration?
    /// Said once when the scenario is loaded (deprecated spellings).
    public var notes: [String] = []

    private struct File: Decodable {
        var name: String?
        var subject: String?
        var backend: String?
        var cluster: Cluster?
        var load: Load?
        var faults: [Fault]?
        var expect: Expectation?
        var replay: String?
        var settle: String?
    }

    /// The old subject names eval understood, as subject and backend.
    /// A subject and backend a scenario names by another spelling, or when it names none.
    public struct SubjectSpelling: Sendable {
        public var subject: String
        public var backend: String

        public init(subject: String, backend: String) {
            self.subject = subject
            self.backend = backend
        }
    }

    /// What the composition root knows of old spellings: deprecated subject names (each read as a
    /// subject and backend, with a note), and the subject of a scenario that names none.
    public struct Spellings: Sendable {
        public var deprecated: [String: SubjectSpelling]
        public var unnamed: SubjectSpelling?

        public init(deprecated: [String: SubjectSpelling] = [:], unnamed: SubjectSpelling? = nil) {
            self.deprecated = deprecated
            self.unnamed = unnamed
        }
    }

    /// Reads one scenario; its subject must be in `registry`, with the backend it names.
    public static func load(
        _ path: String, registry: SubjectRegistry, spellings: Spellings = Spellings()
    ) throws(HarnessError) -> EvalScenario {
        func fail(_ reason: String) -> HarnessError { HarnessError("scenario \(path): \(reason)", usage: true) }
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch { throw fail("cannot read it") }
        // The same limits as operator.yaml first: the decoder expands aliases without bound.
        do { _ = try BoundedYAML.load(text, path: path, document: "scenario") } catch { throw HarnessError("\(error)", usage: true) }
        let file: File
        do { file = try YAMLDecoder().decode(File.self, from: text) } catch { throw fail("\(error)") }
        guard let expect = file.expect else { throw fail("needs `expect: { category, entity }`") }
        let name = file.name ?? ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        if let replay = file.replay {
            let base = (path as NSString).deletingLastPathComponent
            let resolved = replay.hasPrefix("/") ? replay : (base as NSString).appendingPathComponent(replay)
            return EvalScenario(file: path, name: name, subject: file.subject ?? "replay", backend: nil, cluster: Cluster(), load: Load(),
                                faults: [], expect: expect, replay: resolved)
        }
        var notes: [String] = []
        guard var subject = file.subject ?? spellings.unnamed?.subject else {
            throw fail("needs `subject:` (one of \(registry.names.joined(separator: ", ")))")
        }
        var backend = file.backend ?? (file.subject == nil ? spellings.unnamed?.backend : nil)
        if let old = spellings.deprecated[subject] {
            if let given = file.backend, given != old.backend {
                throw fail("subject \"\(subject)\" means subject \(old.subject) on backend \(old.backend), not backend \(given); write `subject: \(old.subject)` and `backend: \(given)`")
            }
            notes.append("scenario \(path): `subject: \(subject)` is deprecated; write `subject: \(old.subject)` and `backend: \(old.backend)`")
            subject = old.subject
            backend = old.backend
        }
        let registration: SubjectRegistration
        do {
            registration = try registry.registration(named: subject)
        } catch {
            throw fail("\(error.description); or use `replay:`")
        }
        let offered = registration.deployments.keys.sorted()
        guard let chosen = backend ?? registration.defaultBackend ?? offered.first, offered.contains(chosen) else {
            throw fail("subject \(subject) has no \"\(backend ?? "default")\" deployment backend; it offers: \(offered.isEmpty ? "none" : offered.joined(separator: ", "))")
        }
        guard let faults = file.faults, !faults.isEmpty else { throw fail("needs at least one fault") }
        for f in faults {
            do { _ = try Entity(parsing: f.target) } catch { throw fail("fault target: \(error)") }
            if let at = f.at { do { _ = try DurationText.duration(at) } catch { throw fail("fault at: \(error)") } }
        }
        var settle: Duration?
        if let text = file.settle { do { settle = try DurationText.duration(text) } catch { throw fail("settle: \(error)") } }
        return EvalScenario(file: path, name: name, subject: subject, backend: chosen, cluster: file.cluster ?? Cluster(),
                            load: file.load ?? Load(), faults: faults, expect: expect, replay: nil, settle: settle, notes: notes)
    }

    /// Scenario files in `directory` (`*.yaml`, `*.yml`), sorted by name.
    public static func files(in directory: String) throws(HarnessError) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            throw HarnessError("no such directory: \(directory)", usage: true)
        }
        if !isDirectory.boolValue { return [directory] }
        let listed: [String]
        do { listed = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
            throw HarnessError("cannot list \(directory): \(error)", usage: true)
        }
        let names = listed
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        guard !names.isEmpty else { throw HarnessError("no scenario files (*.yaml) in \(directory)", usage: true) }
        return names.map { (directory as NSString).appendingPathComponent($0) }
    }

    /// The fault to grade: the one on the expected entity, else the first.
    public var primaryFault: Fault { faults.first { $0.target == expect.entity.description } ?? faults[0] }
}
