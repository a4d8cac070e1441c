// TEMPORARY STAND-IN, branch `tikvlog` only. The lead's LinkedSubjects.swift replaces this file at merge:
// keep the lead's version, and set `logParser: TiKVLogParser()` in TiKVRegistration.registration and
// `logParser: EtcdLogParser()` in EtcdRegistration.registration.
// It exists so `operator logs parse` can find parsers through the registry before the subjects are merged.
import OperatorCore
import SubjectEtcd
import SubjectTiKV

enum LinkedSubjects {
    static let registry = SubjectRegistry([
        logsOnly(name: "tikv", summary: "TiKV with PD (log parsing only on this branch)", parser: TiKVLogParser()),
        logsOnly(name: "etcd", summary: "etcd (log parsing only on this branch)", parser: EtcdLogParser()),
    ])

    private static func logsOnly(name: String, summary: String, parser: any ClusterLogParser) -> SubjectRegistration {
        SubjectRegistration(name: name, summary: summary, logParser: parser) { _ in
            throw StandInError(subject: name)
        }
    }

    struct StandInError: Error, CustomStringConvertible {
        let subject: String
        var description: String {
            "subject \"\(subject)\" is linked only for log parsing in this build (stand-in registry on branch tikvlog)"
        }
    }
}
