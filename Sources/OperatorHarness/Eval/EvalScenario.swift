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
/// `expect` may also state the number of incidents the run must end with (`incidents: 1`, or a range
/// `incidents: 1-2`), statements no diagnosis of the run may make (`forbid: ["e3 leads now"]`, matched
/// case-insensitively in summary, explanation, claims and alternatives), and, for independent faults,
/// several causes (`causes: [{ category, entity }, …]`, each the root cause of an incident of the run).
/// `cluster: { options: { quota-backend-bytes: "1048576" } }` passes recipe settings (`deploy up --option`);
/// `setup: [{ kind: move-leader, target: "member:e1" }]` are faults applied once the cluster is up and before
/// the monitor starts (so a scenario knows which member leads).
///
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
        /// Recipe settings, as `operator deploy up --option key=value`.
        public var options: [String: String]?

        public init(stores: Int? = nil, pd: Int? = nil, members: Int? = nil, regions: Int? = nil, options: [String: String]? = nil) {
            self.stores = stores
            self.pd = pd
            self.members = members
            self.regions = regions
            self.options = options
        }
    }

    public struct Load: Sendable, Decodable {
        public var qps: Double?
    }

    /// One root cause the run must diagnose: a category on an entity.
    public struct Expectation: Sendable, Codable, Equatable {
        public var category: String
        public var entity: Entity

        public init(category: String, entity: Entity) {
            self.category = category
            self.entity = entity
        }
    }

    /// What the run must end with, beyond the first cause (`expect`).
    public struct Grading: Sendable, Equatable {
        /// Every cause, `expect` first.
        public var causes: [Expectation]
        public var incidents: IncidentCount?
        public var forbid: [String]

        public init(causes: [Expectation], incidents: IncidentCount? = nil, forbid: [String] = []) {
            self.causes = causes
            self.incidents = incidents
            self.forbid = forbid
        }
    }

    /// `expect`'s full spelling: `{category, entity}` and/or `causes`, plus `incidents` and `forbid`.
    private struct ExpectFile: Decodable {
        var category: String?
        var entity: Entity?
        var causes: [Expectation]?
        var incidents: IncidentCount?
        var forbid: [String]?
    }

    public var file: String
    public var name: String
    public var subject: String
    /// The deployment backend the cluster runs on (`simulator`, `process`, `compose`); `nil` for a replay.
    public var backend: String?
    public var cluster: Cluster
    public var load: Load
    public var faults: [Fault]
    /// Applied before the monitor starts; not graded.
    public var setup: [Fault] = []
    public var expect: Expectation
    /// Every cause, the incident count and the forbidden statements.
    public var grading: Grading
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
        var setup: [Fault]?
        var expect: ExpectFile?
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
        guard let expectFile = file.expect else { throw fail("needs `expect: { category, entity }`") }
        var causes = expectFile.causes ?? []
        switch (expectFile.category, expectFile.entity) {
        case (let category?, let entity?): causes.insert(Expectation(category: category, entity: entity), at: 0)
        case (nil, nil): break
        default: throw fail("`expect` needs both `category` and `entity` (or neither, with `causes`)")
        }
        guard let expect = causes.first else { throw fail("needs `expect: { category, entity }` or `expect: { causes: [...] }`") }
        if let bad = (expectFile.forbid ?? []).first(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            throw fail("`forbid` holds an empty statement \"\(bad)\"; list the sentences no diagnosis may make")
        }
        let grading = Grading(causes: causes, incidents: expectFile.incidents, forbid: expectFile.forbid ?? [])
        let name = file.name ?? ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        if let replay = file.replay {
            let base = (path as NSString).deletingLastPathComponent
            let resolved = replay.hasPrefix("/") ? replay : (base as NSString).appendingPathComponent(replay)
            return EvalScenario(file: path, name: name, subject: file.subject ?? "replay", backend: nil, cluster: Cluster(), load: Load(),
                                faults: [], expect: expect, grading: grading, replay: resolved)
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
        for f in faults + (file.setup ?? []) {
            do { _ = try Entity(parsing: f.target) } catch { throw fail("fault target: \(error)") }
            if let at = f.at { do { _ = try DurationText.duration(at) } catch { throw fail("fault at: \(error)") } }
        }
        var settle: Duration?
        if let text = file.settle { do { settle = try DurationText.duration(text) } catch { throw fail("settle: \(error)") } }
        return EvalScenario(file: path, name: name, subject: subject, backend: chosen, cluster: file.cluster ?? Cluster(),
                            load: file.load ?? Load(), faults: faults, setup: file.setup ?? [], expect: expect, grading: grading,
                            replay: nil, settle: settle, notes: notes)
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
