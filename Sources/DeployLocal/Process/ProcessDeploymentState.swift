import Foundation
import OperatorCore

/// What `deploy up` leaves in the state directory so later commands (another CLI process) can find the
/// members: the plan it ran and each member's process.
struct ProcessDeploymentState: Codable, Equatable, Sendable {
    static let backend = "process"

    var backend: String = Self.backend
    var plan: ProcessClusterPlan
    var members: [MemberRecord]
    var updatedAt: Date

    struct MemberRecord: Codable, Equatable, Sendable {
        var entity: Entity
        /// `nil` once the member was stopped by `down`.
        var process: ProcessHandle?
        var startedAt: Date?
        /// Relative to the state directory.
        var logFile: String
        /// Why the member is not running when Operator stopped it (`killed by chaos kill at …`).
        var stopNote: String?
        /// Set while the member is frozen by SIGSTOP (`chaos inject stop`), until SIGCONT.
        var frozenNote: String?
        /// Host faults in force on its process (`slow-disk`, `partition`), undone by `lift` or `down`.
        var hostFaults: [String]?

        enum CodingKeys: String, CodingKey {
            case entity, process
            case hostFaults = "host_faults"
            case frozenNote = "frozen_note"
            case startedAt = "started_at"
            case logFile = "log_file"
            case stopNote = "stop_note"
        }
    }

    enum CodingKeys: String, CodingKey {
        case backend, plan, members
        case updatedAt = "updated_at"
    }

    func record(for entity: Entity) -> MemberRecord? { members.first { $0.entity == entity } }

    mutating func update(_ entity: Entity, _ change: (inout MemberRecord) -> Void) {
        guard let i = members.firstIndex(where: { $0.entity == entity }) else { return }
        change(&members[i])
    }
}
