import Foundation
import Testing
@testable import TiKVSimulator

/// PD followers behave as PD's redirect middleware makes them (tikv-interfaces.md §1.0).
@Suite("PD followers and redirects")
struct PDFollowerTests {
    @Test("A follower answers what the leader answers; a second redirect is refused")
    func followerForwards() async throws {
        try await withSimulator { _, endpoints in
            let viaLeader = try await httpGet(endpoints.pdURLs[2] + "/pd/api/v1/members").object()
            let leader = try #require(viaLeader["leader"] as? [String: Any])
            #expect(leader["name"] as? String == "pd3", "the highest-numbered member leads, so pd1 (control port) never does")
            let viaFollower = try await httpGet(endpoints.pdURLs[0] + "/pd/api/v1/members").object()
            #expect((viaFollower["leader"] as? [String: Any])?["name"] as? String == "pd3")

            let looped = try await httpGet(endpoints.pdURLs[0] + "/pd/api/v1/stores", headers: [("PD-Redirector", "pd2")])
            #expect(looped.status == 500)
            #expect(looped.text == "redirect to not leader\n")
            // The leader itself ignores the header; followers may answer locally when allowed.
            #expect(try await httpGet(endpoints.pdURLs[2] + "/pd/api/v1/stores", headers: [("PD-Redirector", "pd2")]).status == 200)
            #expect(try await httpGet(endpoints.pdURLs[0] + "/pd/api/v1/stores",
                                      headers: [("PD-Redirector", "pd2"), ("PD-Allow-follower-handle", "true")]).status == 200)
        }
    }

    @Test("Each member's /metrics reports its own role; only the leader exports region and store statistics")
    func metricsByRole() async throws {
        try await withSimulator { _, endpoints in
            let leader = try await scrape(endpoints.pdURLs[2])
            #expect(try leader.value("service_member_role", ["service": "PD"]) == 1)
            #expect(try leader.value("etcd_server_is_leader") == 1)
            #expect(try leader.value("pd_regions_status", ["type": "miss-peer-region-count"]) == 0)
            #expect(leader.sum("pd_cluster_status", ["type": "store_up_count"]) == 3)
            #expect(leader.values("pd_cluster_status", ["type": "store_up_count"]).count == 3, "one series per store")
            let follower = try await scrape(endpoints.pdURLs[0])
            #expect(try follower.value("service_member_role", ["service": "PD"]) == 0)
            #expect(try follower.value("etcd_server_is_leader") == 0)
            #expect(follower.values("pd_regions_status").isEmpty)
        }
    }
}
