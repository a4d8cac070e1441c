// swift-tools-version: 6.1
// Operator: watches a distributed database cluster the way an SRE would.
// OperatorCore knows no subject; each subject is a target of its own, linked by the CLI.
import PackageDescription

let package = Package(
    name: "Operator",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "operator", targets: ["OperatorCLI"]),
        .library(name: "OperatorCore", targets: ["OperatorCore"]),
        .library(name: "OperatorHTTP", targets: ["OperatorHTTP"]),
        .library(name: "PrometheusClient", targets: ["PrometheusClient"]),
        .library(name: "SubjectTiKV", targets: ["SubjectTiKV"]),
        .library(name: "SubjectEtcd", targets: ["SubjectEtcd"]),
        .library(name: "TiKVSimulator", targets: ["TiKVSimulator"]),
        .library(name: "DeployLocal", targets: ["DeployLocal"]),
        .library(name: "DiagnosisProviders", targets: ["DiagnosisProviders"]),
        .library(name: "OperatorConfiguration", targets: ["OperatorConfiguration"]),
        .library(name: "OperatorHarness", targets: ["OperatorHarness"]),
        .library(name: "OperatorBench", targets: ["OperatorBench"]),
        .library(name: "OperatorServer", targets: ["OperatorServer"]),
        .library(name: "OperatorConsole", targets: ["OperatorConsole"]),
        .library(name: "OperatorNotify", targets: ["OperatorNotify"]),
        .library(name: "TicketStorePostgres", targets: ["TicketStorePostgres"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        // TLS settings (CA, client certificate, key) for the shared HTTP client; already under AsyncHTTPClient.
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        // HMAC-SHA256 for the webhook receiver's signature (already in the graph through Hummingbird's TLS).
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        // The shared ticket store for replicas (PostgreSQL's wire protocol, a connection pool).
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // The core: protocols, registry, tickets and incidents, monitor loop, diagnosis engine.
        .target(
            name: "OperatorCore",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // The shared HTTP client: a refused connection fails at once (a dead node), not at the deadline.
        .target(
            name: "OperatorHTTP",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                // Held connections for liveness watches (NodeConnectionWatch): idle sockets on the event loop.
                .product(name: "NIOPosix", package: "swift-nio"),
                // The handshake-completed event a TLS liveness watch waits for (TLSHandshake).
                .product(name: "NIOTLS", package: "swift-nio"),
            ]
        ),
        // Prometheus HTTP API and text exposition format; reusable by any subject.
        .target(
            name: "PrometheusClient",
            dependencies: [
                "OperatorHTTP",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "SubjectTiKV",
            dependencies: [
                "OperatorHTTP",
                "OperatorCore",
                "PrometheusClient",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                // Hands a response body to the decoder without copying it.
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Logs/README.md", "README.md", "operator.sample.yaml"]
        ),
        .target(
            name: "SubjectEtcd",
            dependencies: [
                "OperatorHTTP",
                "OperatorCore",
                "PrometheusClient",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Logs/README.md", "README.md", "operator.sample.yaml"]
        ),
        // Test and demo harness: serves PD's HTTP API and TiKV status endpoints on loopback.
        .target(
            name: "TiKVSimulator",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // The control client that `operator simulate fault|lift|status` uses.
                "OperatorHTTP",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                // gzip for /metrics pages asked with Accept-Encoding: gzip, as TiKV and PD answer.
                "CZlib",
                // TLS listeners, as a cluster deployed with TiUP `enable_tls` serves.
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            exclude: ["README.md"]
        ),
        // The system zlib, for the simulator's gzip responses.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .target(
            name: "DeployLocal",
            dependencies: [
                "OperatorCore",
                "OperatorHTTP",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                // Reads `compose config` output (compose v1 prints YAML only).
                .product(name: "Yams", package: "Yams"),
            ],
            exclude: ["README.md"]
        ),
        // Model-backed diagnosers (Anthropic Messages API, OpenAI-compatible chat completions).
        .target(
            name: "DiagnosisProviders",
            dependencies: [
                "OperatorHTTP",
                "OperatorCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // operator.yaml and the checks every setting passes (ranges, URLs), whichever source it came from.
        .target(
            name: "OperatorConfiguration",
            // OperatorHTTP for the shapes `tls:` and Prometheus credentials are read into.
            dependencies: ["OperatorCore", "OperatorHTTP", .product(name: "Yams", package: "Yams")]
        ),
        // The proving harness: drives the production monitor and diagnosis runner against any subject's
        // cluster while faults are injected (`ChaosRun`). Knows subjects only through the protocols.
        .target(
            name: "OperatorHarness",
            dependencies: [
                "OperatorCore",
                // Scenario files: the same bounded YAML loading as operator.yaml.
                "OperatorConfiguration",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The benchmarks: each measures Operator next to a baseline in the same run and builds its report.
        // Tick cost and response memory are about TiKV at scale (the simulator, PD's and TiKV's bodies), the
        // detection and diagnosis benchmarks about etcd (Prometheus watches real etcd members; the incidents
        // are recorded etcd observations), the log benchmark about TiKV's log parser: those subjects are
        // what they measure, so this target links them.
        .target(
            name: "OperatorBench",
            dependencies: [
                "OperatorCore",
                "OperatorHTTP",
                "PrometheusClient",
                "SubjectTiKV",
                "SubjectEtcd",
                "TiKVSimulator",
                "DeployLocal",
                // Detection: Operator's notification path through Alertmanager (the outbox's receivers).
                "OperatorNotify",
                // `bench serve` reads serve's readiness and checks a page before wrk measures it.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // `operator serve`'s HTTP API (/api/v1, /healthz, /readyz, /metrics, OpenAPI) and its access control.
        // Knows subjects only through the closures and views the composition root hands it.
        .target(
            name: "OperatorServer",
            dependencies: [
                "OperatorCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The web console of `operator serve`: server-rendered pages over a `ConsolePageSource`; the
        // templates escape what they show (swift-mustache), so nothing from a cluster or a model runs.
        .target(
            name: "OperatorConsole",
            dependencies: [
                "OperatorCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Notifications out: the receivers the outbox delivers to (Alertmanager's v2 API, a signed webhook, a
        // Slack-compatible incoming webhook). The core knows them only as `NotificationReceiver`.
        .target(
            name: "OperatorNotify",
            dependencies: [
                "OperatorCore",
                "OperatorHTTP",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The ticket store on PostgreSQL: several replicas share one history. The core knows it only as
        // `TicketStore` and `LeaseStore`.
        .target(
            name: "TicketStorePostgres",
            dependencies: [
                "OperatorCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                // sslmode=prefer|require|verify-full.
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                // `operator db copy` reads a SQLite history row by row.
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "OperatorCLI",
            dependencies: [
                "OperatorCore",
                "OperatorHarness",
                "OperatorBench",
                "OperatorConfiguration",
                "OperatorHTTP",
                "PrometheusClient",
                "SubjectTiKV",
                "SubjectEtcd",
                "TiKVSimulator",
                "DeployLocal",
                "DiagnosisProviders",
                "OperatorServer",
                "OperatorConsole",
                "OperatorNotify",
                "TicketStorePostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // Shared by test targets only: loopback HTTP test doubles, temporary files, free ports.
        .target(
            name: "OperatorTestSupport",
            dependencies: [
                // Subject-generic checks (SubjectRobustness) run any subject's invariants and knowledge.
                "OperatorCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                // Raw sockets for servers that misbehave below HTTP (drip a body, never answer).
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Tests/OperatorTestSupport"
        ),
        // Prometheus: the monitor's metrics are read back in the exposition format `/metrics` serves.
        .testTarget(
            name: "OperatorCoreTests",
            dependencies: [
                "OperatorCore", "OperatorTestSupport", .product(name: "GRDB", package: "GRDB.swift"),
                // The store contract runs on both stores: SQLite and PostgreSQL (a throwaway server per process).
                "TicketStorePostgres",
                .product(name: "Prometheus", package: "swift-prometheus"), .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Fixtures"]),
        .testTarget(name: "OperatorConfigurationTests", dependencies: ["OperatorConfiguration", "OperatorCore", "OperatorHTTP"]),
        .testTarget(
            name: "OperatorHTTPTests",
            dependencies: [
                "OperatorHTTP", "PrometheusClient", "OperatorTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                // A loopback server speaking TLS with client-certificate verification.
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .testTarget(name: "PrometheusClientTests", dependencies: ["PrometheusClient", "OperatorHTTP", "OperatorTestSupport"]),
        .testTarget(
            name: "SubjectTiKVTests",
            dependencies: [
                "SubjectTiKV", "OperatorCore", "OperatorHTTP", "PrometheusClient", "OperatorTestSupport", "OperatorHarness",
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "TiKVSimulatorTests",
            dependencies: [
                "TiKVSimulator", "SubjectTiKV", "OperatorCore", "OperatorHTTP", "OperatorTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "SubjectEtcdTests",
            dependencies: [
                "SubjectEtcd", "OperatorCore", "OperatorHTTP", "DeployLocal", "PrometheusClient", "OperatorTestSupport", "OperatorHarness",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The compose tests run the subjects' compose recipes against the real stacks and read Subjects/ YAML;
        // the Kubernetes manifests (deploy/kubernetes) are checked against serve's routes and config parser.
        .testTarget(
            name: "DeployLocalTests",
            dependencies: [
                "DeployLocal", "OperatorCore", "OperatorTestSupport", "SubjectTiKV", "SubjectEtcd", .product(name: "Yams", package: "Yams"),
                "OperatorServer", "OperatorConfiguration",
            ]
        ),
        .testTarget(
            name: "DiagnosisProvidersTests",
            dependencies: ["DiagnosisProviders", "OperatorCore", "OperatorTestSupport", .product(name: "Hummingbird", package: "hummingbird")]
        ),
        // A subject built inside the test target, run through the harness library on real processes.
        .testTarget(
            name: "OperatorHarnessTests",
            dependencies: ["OperatorHarness", "OperatorCore", "OperatorHTTP", "DeployLocal", "OperatorTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client")]
        ),
        // Report pieces of the benchmarks (ratios, targets, tables, JSON), from inputs shaped as runs produce them.
        .testTarget(name: "OperatorBenchTests", dependencies: ["OperatorBench", "OperatorCore"]),
        // The HTTP API over real HTTP, in process: a real store fed by a real monitor watching the simulator.
        .testTarget(
            name: "OperatorServerTests",
            dependencies: [
                "OperatorServer", "OperatorCore", "SubjectTiKV", "TiKVSimulator", "OperatorTestSupport",
                // The Alertmanager intake against real etcd, Prometheus and Alertmanager (the bench's alerting stack).
                "SubjectEtcd", "DeployLocal", "OperatorBench",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The console's pages: escaping on the rendered strings, routes over real HTTP and a real store, and a
        // headless Chromium reading pages a real monitor filled while watching the TiKV simulator.
        .testTarget(
            name: "OperatorConsoleTests",
            dependencies: [
                "OperatorConsole", "OperatorCore", "OperatorTestSupport", "SubjectTiKV", "TiKVSimulator",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // The receivers against loopback HTTP servers that check what real ones check (signature, shapes), and
        // the outbox delivered through them from a real store.
        .testTarget(
            name: "OperatorNotifyTests",
            dependencies: [
                "OperatorNotify", "OperatorCore", "OperatorTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        // End-to-end: runs the built `operator` binary as a user would.
        .testTarget(
            name: "OperatorCLITests",
            dependencies: [
                "OperatorCore", "OperatorTestSupport", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                // `operator serve`'s API, called over HTTP.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]),
    ]
)
