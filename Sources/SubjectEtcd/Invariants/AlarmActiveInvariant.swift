import OperatorCore

/// `alarm-active`: no etcd alarm is raised. An alarm is cluster-wide: while it lasts every member's
/// `/health` answers 503 and (for NOSPACE) every write is refused, whichever member raised it. So it is one
/// violation, on the member that raised it (etcd's decimal `memberID` mapped to its hex id and name), and it
/// explains the rest.
public struct AlarmActiveInvariant: Invariant {
    public let id = "alarm-active"
    public let severity = Severity.critical
    public let summary = "no etcd alarm (NOSPACE, CORRUPT) is active"

    public init() {}

    public func evaluate(_ s: EtcdSnapshot) -> [Violation] {
        s.alarms.map { a in
            let failing = s.members.filter { $0.reachable && $0.healthy == false }.map(\.displayName)
            var message = "\(a) is active"
            if a.kind == "NOSPACE" { message += ": the database reached its backend quota and the cluster refuses writes" }
            if !failing.isEmpty { message += "; /health fails on \(failing.joined(separator: ", ")) while it lasts" }
            return violation(
                on: a.entity, message,
                excerpt: [
                    "alarm": .string(a.kind), "member": .string(a.memberName ?? a.memberID.hex), "member_id": .string(a.memberID.hex),
                    "health_failing": .array(failing.map { .string($0) }),
                ])
        }
    }
}
