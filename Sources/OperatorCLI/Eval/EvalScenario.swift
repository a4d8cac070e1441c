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
struct EvalScenario: Sendable {
    struct Fault: Sendable, Decodable {
        var kind: String
        var target: String
        var at: String?
    }

    struct Cluster: Sendable, Decodable {
        var stores: Int?
        var pd: Int?
        var members: Int?
        var regions: Int?
    }

    struct Load: Sendable, Decodable {
        var qps: Double?
    }

    struct Expectation: Sendable, Codable, Equatable {
        var category: String
        var entity: Entity
    }

    var file: String
    var name: String
    var subject: String
    /// The deployment backend the cluster runs on (`simulator`, `process`, `compose`); `nil` for a replay.
    var backend: String?
    var cluster: Cluster
    var load: Load
    var faults: [Fault]
    var expect: Expectation
    /// Absolute path of a stored context to replay instead of running a cluster.
    var replay: String?
    /// Said once when the scenario is loaded (deprecated spellings).
    var notes: [String] = []

    private struct File: Decodable {
        var name: String?
        var subject: String?
        var backend: String?
        var cluster: Cluster?
        var load: Load?
        var faults: [Fault]?
        var expect: Expectation?
        var replay: String?
    }

    /// The old subject names eval understood, as subject and backend.
    static let deprecatedSubjects = ["tikv-sim": (subject: "tikv", backend: "simulator")]

    static func load(_ path: String) throws -> EvalScenario {
        func fail(_ reason: String) -> CLIFailure { CLIFailure("scenario \(path): \(reason)", exitCode: 2) }
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch { throw fail("cannot read it") }
        // The same limits as operator.yaml first: the decoder expands aliases without bound.
        do { _ = try BoundedYAML.load(text, path: path, document: "scenario") } catch { throw CLIFailure("\(error)", exitCode: 2) }
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
        // No subject at all meant the simulator before subjects were named; it still does.
        var subject = file.subject ?? "tikv"
        var backend = file.backend ?? (file.subject == nil ? "simulator" : nil)
        if let old = deprecatedSubjects[subject] {
            if let given = file.backend, given != old.backend {
                throw fail("subject \"\(subject)\" means subject \(old.subject) on backend \(old.backend), not backend \(given); write `subject: \(old.subject)` and `backend: \(given)`")
            }
            notes.append("scenario \(path): `subject: \(subject)` is deprecated; write `subject: \(old.subject)` and `backend: \(old.backend)`")
            subject = old.subject
            backend = old.backend
        }
        let registration: SubjectRegistration
        do {
            registration = try LinkedSubjects.registry.registration(named: subject)
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
        return EvalScenario(file: path, name: name, subject: subject, backend: chosen, cluster: file.cluster ?? Cluster(),
                            load: file.load ?? Load(), faults: faults, expect: expect, replay: nil, notes: notes)
    }

    /// Scenario files in `directory` (`*.yaml`, `*.yml`), sorted by name.
    static func files(in directory: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            throw CLIFailure("no such directory: \(directory)", exitCode: 2)
        }
        if !isDirectory.boolValue { return [directory] }
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        guard !names.isEmpty else { throw CLIFailure("no scenario files (*.yaml) in \(directory)", exitCode: 2) }
        return names.map { (directory as NSString).appendingPathComponent($0) }
    }

    /// The fault to grade: the one on the expected entity, else the first.
    var primaryFault: Fault { faults.first { $0.target == expect.entity.description } ?? faults[0] }
}
