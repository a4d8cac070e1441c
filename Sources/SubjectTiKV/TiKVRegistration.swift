import OperatorCore

/// How the TiKV subject joins the program: one line in the CLI's `LinkedSubjects`.
public enum TiKVRegistration {
    public static let registration = SubjectRegistration(
        name: "tikv",
        summary: "TiKV with PD: store and PD health, disk space, latency, region replication, Raft lag, leader balance",
        endpointsEnvironmentVariable: "PD_ENDPOINT",
        defaultEndpoints: ["http://127.0.0.1:2379"],
        // Deployment recipes (compose) and the log parser are added by their own modules.
        deployments: [:],
        logParser: nil,
        make: { configuration in try TiKVSubject(configuration: configuration) }
    )
}
