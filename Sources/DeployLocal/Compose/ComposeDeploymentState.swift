import Foundation
import OperatorCore

/// What `deploy up --backend compose` leaves in the state directory so later commands (another CLI
/// process) find the stack: the plan, with the compose file as an absolute path. The containers
/// themselves are found through compose's project label, so nothing here goes stale when Docker restarts
/// them. The environment (DOCKER_HOST and the like) is deliberately not recorded.
struct ComposeDeploymentState: Codable, Equatable {
    static let backend = "compose"

    var backend: String = Self.backend
    var plan: ComposeClusterPlan
    /// `docker compose` or `docker-compose`, for the record.
    var tool: String
    var startedAt: Date
    /// Why a member is down when Operator put it there (`killed by chaos kill at …`), by entity.
    var notes: [String: String]

    enum CodingKeys: String, CodingKey {
        case backend, plan, tool, notes
        case startedAt = "started_at"
    }
}
