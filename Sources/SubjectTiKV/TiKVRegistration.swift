import OperatorCore

/// How the TiKV subject joins the program: one line in the CLI's `LinkedSubjects`.
public enum TiKVRegistration {
    public static let registration = SubjectRegistration(
        name: "tikv",
        summary: "TiKV with PD: store and PD health, disk space, latency, region replication, Raft lag, leader balance",
        endpointsEnvironmentVariable: "PD_ENDPOINT",
        defaultEndpoints: ["http://127.0.0.1:2379"],
        deployments: ["compose": TiKVComposeRecipe.recipe],
        // The real cluster runs in containers (Subjects/tikv); TiKV and PD binaries are not packaged.
        defaultBackend: "compose",
        logParser: TiKVLogParser(),
        make: { configuration in try TiKVSubject(configuration: configuration) }
    )
}
