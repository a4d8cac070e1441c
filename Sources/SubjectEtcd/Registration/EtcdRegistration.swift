import OperatorCore

/// How etcd joins Operator: one line in the CLI's LinkedSubjects (`EtcdRegistration.registration`).
public enum EtcdRegistration {
    public static let name = "etcd"

    public static let registration = SubjectRegistration(
        name: name,
        summary: "etcd v3 cluster: members via the JSON gateway, /health and metrics (direct or Prometheus)",
        endpointsEnvironmentVariable: "ETCDCTL_ENDPOINTS",
        defaultEndpoints: ["http://127.0.0.1:2379"],
        deployments: ["process": EtcdProcessRecipe.recipe, "compose": EtcdComposeRecipe.recipe],
        defaultBackend: "process",
        logParser: EtcdLogParser(),
        make: { configuration in try EtcdSubject(configuration: configuration) })
}
