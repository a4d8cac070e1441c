// swift-tools-version: 6.1
// libFuzzer targets for every decoder of outside input. A package of its own so that the main package's
// `swift build` and `swift test` never see the `-sanitize=fuzzer` flags. Build and run with `Fuzz/run.sh`
// (see Docs/fuzzing.md): `swift build -Xswiftc -sanitize=fuzzer` instruments every module it compiles.
import PackageDescription

/// One executable per decoder; each is a thin `main` around a function in `FuzzTargets`.
let targetNames = [
    "FuzzPDJSON",           // PD HTTP API bodies, every endpoint's decoder (first byte picks the endpoint)
    "FuzzEtcdGatewayJSON",  // etcd v3 gateway bodies: member list, status, health, error
    "FuzzExpositionText",   // Prometheus text exposition (/metrics pages)
    "FuzzPrometheusAPIJSON",// Prometheus HTTP API results: query, query_range, targets
    "FuzzTiKVLogLine",      // TiKV unified log lines
    "FuzzEtcdLogLine",      // etcd zap JSON and capnslog lines
    "FuzzOperatorYAML",     // operator.yaml through OperatorConfigFile.parse (bounded YAML, typed settings)
    "FuzzAlertmanagerPayload", // Alertmanager webhook bodies (version 4) that `operator serve` takes in
]

let package = Package(
    name: "OperatorFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "Operator", path: "..")],
    targets: [
        // libFuzzer's `LLVMFuzzerRunDriver`, declared for Swift.
        .target(name: "CLibFuzzer"),
        .target(
            name: "FuzzTargets",
            dependencies: [
                "CLibFuzzer",
                .product(name: "OperatorCore", package: "Operator"),
                .product(name: "OperatorConfiguration", package: "Operator"),
                .product(name: "PrometheusClient", package: "Operator"),
                .product(name: "SubjectTiKV", package: "Operator"),
                .product(name: "SubjectEtcd", package: "Operator"),
            ]
        )
    ] + targetNames.map { name in
        .executableTarget(
            name: name,
            dependencies: ["FuzzTargets"],
            // libFuzzer supplies the loop; `main` hands it the callback (`FuzzDriver`).
            swiftSettings: [.unsafeFlags(["-parse-as-library"])],
            // ld.gold fails on libFuzzer's archive with this toolchain ("internal error in format_file_lineno");
            // lld links it.
            linkerSettings: [.unsafeFlags(["-use-ld=lld"])]
        )
    }
)
