import DeployLocal
import Foundation
import OperatorConfiguration
import OperatorServer
import Testing
import Yams

/// The Kubernetes manifests (deploy/kubernetes) against the program they run: the probes call routes
/// `operator serve` has and answers without the token, the container port is the one serve listens on,
/// the ConfigMap's operator.yaml passes the real parser, no secret is written into a manifest, and the
/// pod runs as the image's non-root user on a read-only root filesystem. `.ci/kubernetes-validate.sh`
/// checks the same files against the Kubernetes schemas; this checks what a schema cannot know.
@Suite("Kubernetes manifests")
struct KubernetesManifestTests {
    static let base = "deploy/kubernetes/base"
    static let overlay = "deploy/kubernetes/overlays/single-sqlite"

    // MARK: - the base, as written

    @Test func theBaseListsEveryObjectItDeploys() throws {
        let kustomization = try Manifests.object(at: "\(Self.base)/kustomization.yaml")
        let resources = try #require(kustomization["resources"] as? [String])
        let kinds = try resources.map { try Manifests.object(at: "\(Self.base)/\($0)")["kind"] as? String ?? "?" }
        #expect(Set(kinds) == ["ConfigMap", "Deployment", "Service", "PodDisruptionBudget", "ServiceMonitor"], "\(kinds)")
        #expect(!kinds.contains("Secret"), "the Secret is created by hand, never kept in these files")
    }

    @Test func probesCallRoutesServeHasAndAnswersWithoutTheToken() throws {
        let container = try Manifests.container(try Manifests.object(at: "\(Self.base)/deployment.yaml"))
        let gets = Set(APIRoutes.all.filter { $0.method == .get }.map(\.path))
        var probed: [String: String] = [:]
        for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
            let get = try #require((container[probe] as? [String: Any])?["httpGet"] as? [String: Any], "\(probe) is an HTTP GET")
            let path = try #require(get["path"] as? String)
            probed[probe] = path
            #expect(gets.contains(path), "\(probe) calls \(path), which serve does not route")
            #expect(AccessPolicy.probePaths.contains(path), "\(probe): \(path) needs the API token beyond loopback; a kubelet has none")
            #expect(try Manifests.port(named: get["port"], in: container) == 9400, "\(probe) calls the port serve listens on")
        }
        #expect(probed["livenessProbe"] == "/healthz")
        #expect(probed["readinessProbe"] == "/readyz")
    }

    @Test func theContainerPortIsTheOneServeListensOn() throws {
        let deployment = try Manifests.object(at: "\(Self.base)/deployment.yaml")
        let container = try Manifests.container(deployment)
        let arguments = try #require(container["args"] as? [String])
        #expect(arguments.first == "serve")
        let listenText = try #require(Manifests.option("--listen", in: arguments))
        let listen = try #require(APIServer.ListenAddress.parse(listenText), "--listen \(listenText) is not host:port")
        #expect(!listen.isLoopback, "a kubelet and the Service reach the pod from outside it")
        let ports = try #require(container["ports"] as? [[String: Any]])
        #expect(ports.compactMap { $0["containerPort"] as? Int } == [listen.port])

        // The Service and the ServiceMonitor reach that port by its name; /metrics is a route of serve.
        let service = try Manifests.object(at: "\(Self.base)/service.yaml")
        let servicePorts = try #require((service["spec"] as? [String: Any])?["ports"] as? [[String: Any]])
        for port in servicePorts {
            #expect(try Manifests.port(named: port["targetPort"], in: container) == listen.port)
        }
        #expect(Manifests.selector(of: service) == Manifests.podLabels(of: deployment), "the Service selects the pods")
        let monitor = try Manifests.object(at: "\(Self.base)/servicemonitor.yaml")
        let endpoints = try #require((monitor["spec"] as? [String: Any])?["endpoints"] as? [[String: Any]])
        for endpoint in endpoints {
            #expect(servicePorts.contains { $0["name"] as? String == endpoint["port"] as? String }, "the ServiceMonitor names a Service port")
            let path = try #require(endpoint["path"] as? String)
            #expect(APIRoutes.all.contains(APIRoute(.get, path)), "\(path)")
        }
        #expect(
            ((monitor["spec"] as? [String: Any])?["selector"] as? [String: Any])?["matchLabels"] as? [String: String]
                == (service["metadata"] as? [String: Any])?["labels"] as? [String: String],
            "the ServiceMonitor selects the Service")
        let budget = try Manifests.object(at: "\(Self.base)/poddisruptionbudget.yaml")
        #expect(Manifests.selector(of: budget) == Manifests.podLabels(of: deployment))
        #expect((budget["spec"] as? [String: Any])?["maxUnavailable"] as? Int == 1, "one replica at a time; the single-replica overlay can still drain")
    }

    @Test func theConfigMapIsAcceptedByTheRealParserAndPointsAtMountedFiles() throws {
        let deployment = try Manifests.object(at: "\(Self.base)/deployment.yaml")
        let container = try Manifests.container(deployment)
        let arguments = try #require(container["args"] as? [String])
        let configPath = try #require(Manifests.option("--config", in: arguments))
        let file = try Manifests.operatorYAML(in: try Manifests.object(at: "\(Self.base)/configmap.yaml"), mountedAt: configPath, by: deployment)

        let clusters = try file.clusters()
        #expect(clusters.count >= 2, "a sample of several clusters: \(clusters.map(\.name))")
        let db = try #require(try file.string("db"))
        let url = try #require(URLComponents(string: db))
        #expect(url.scheme == "postgres" && url.password == nil, "the shared store, without a password in the URL: \(db)")
        #expect(url.queryItems?.contains(URLQueryItem(name: "sslmode", value: "require")) == true)
        // The token file and the database password file are files of the mounted Secret.
        let secretMounts = Manifests.secretMounts(of: deployment)
        let tokenFile = try #require(try file.string("api_token_file"))
        #expect(secretMounts.contains(tokenFile), "api_token_file \(tokenFile) is not a file of the mounted Secret: \(secretMounts)")
        let passwordFile = try #require(Manifests.option("--db-password-file", in: arguments))
        #expect(secretMounts.contains(passwordFile), "--db-password-file \(passwordFile): \(secretMounts)")
        // The replica is named after its pod.
        #expect(Manifests.option("--replica-name", in: arguments) == "$(POD_NAME)")
        let env = try #require(container["env"] as? [[String: Any]])
        let podName = env.first { $0["name"] as? String == "POD_NAME" }
        #expect(((podName?["valueFrom"] as? [String: Any])?["fieldRef"] as? [String: Any])?["fieldPath"] as? String == "metadata.name")
    }

    /// The parser the check above relies on refuses what it should: the check can fail.
    @Test func theParserRefusesABrokenConfigMap() throws {
        #expect(throws: ConfigurationError.self) { try OperatorConfigFile.parse("db: x\nclusterz: []\n", path: "configmap") }
        #expect(throws: ConfigurationError.self) {
            try OperatorConfigFile.parse("clusters:\n  - name: Bad Name\n    subject: tikv\n", path: "configmap").clusters()
        }
    }

    @Test func secretsAreReferencedNeverWritten() throws {
        for relative in try Manifests.files(under: "deploy/kubernetes") {
            let text = try String(contentsOfFile: StackTestSupport.path(relative), encoding: .utf8)
            for document in try Manifests.documents(text) {
                #expect(document["kind"] as? String != "Secret", "\(relative) holds a Secret")
                for (path, value) in Manifests.leaves(document) {
                    let key = path.split(separator: ".").last.map(String.init) ?? path
                    // An environment variable named like a secret takes its value from a Secret.
                    let entry = path.dropLast(".name".count)
                    if path.hasSuffix(".name"), entry.hasSuffix("]"), entry.contains(".env["), let name = value as? String, Manifests.looksSecret(name) {
                        #expect(
                            Manifests.leaves(document).contains { $0.0.hasPrefix(entry + ".valueFrom.secretKeyRef.name") },
                            "\(relative): \(name) is not taken from a Secret")
                        #expect(!Manifests.leaves(document).contains { $0.0 == entry + ".value" }, "\(relative): \(name) has an inline value")
                    }
                    #expect(!(["password", "token", "api_key", "apiKey", "bearerToken"].contains(key)), "\(relative): \(path) holds a secret inline")
                }
                // operator.yaml keeps secrets in files too: only *_file keys name them.
                if let data = document["data"] as? [String: String], let yaml = data["operator.yaml"] {
                    let file = try OperatorConfigFile.parse(yaml, path: relative)
                    #expect(!yaml.contains("password:") && !yaml.contains("token:"), "\(relative)")
                    if let db = try file.string("db"), let url = URLComponents(string: db) { #expect(url.password == nil, "\(relative): \(db)") }
                }
            }
        }
    }

    @Test func thePodRunsAsTheImagesNonRootUserOnAReadOnlyRoot() throws {
        let deployment = try Manifests.object(at: "\(Self.base)/deployment.yaml")
        let pod = try Manifests.podSpec(deployment)
        let podSecurity = try #require(pod["securityContext"] as? [String: Any])
        #expect(podSecurity["runAsNonRoot"] as? Bool == true)
        let uid = try #require(podSecurity["runAsUser"] as? Int)
        #expect(uid > 0)
        #expect(pod["automountServiceAccountToken"] as? Bool == false)
        let container = try Manifests.container(deployment)
        let security = try #require(container["securityContext"] as? [String: Any])
        #expect(security["readOnlyRootFilesystem"] as? Bool == true)
        #expect(security["allowPrivilegeEscalation"] as? Bool == false)
        #expect((security["capabilities"] as? [String: Any])?["drop"] as? [String] == ["ALL"])
        // /tmp is the one writable place besides the database: an emptyDir.
        let mounts = try #require(container["volumeMounts"] as? [[String: Any]])
        let tmp = try #require(mounts.first { $0["mountPath"] as? String == "/tmp" })
        let volumes = try #require(pod["volumes"] as? [[String: Any]])
        #expect(volumes.first { $0["name"] as? String == tmp["name"] as? String }?["emptyDir"] != nil)
        #expect(container["resources"] as? [String: Any] != nil)

        // The image: the same numeric user, serving by default on the same config path and port.
        let dockerfile = try String(contentsOfFile: StackTestSupport.path("Subjects/tikv/Dockerfile.operator"), encoding: .utf8)
        let lines = dockerfile.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(lines.contains("USER \(uid):\(uid)"), "the image's USER is the manifests' runAsUser")
        #expect(dockerfile.contains("--uid \(uid)"))
        let cmdLine = try #require(lines.first { $0.hasPrefix("CMD ") })
        let cmd = try #require(try JSONSerialization.jsonObject(with: Data(cmdLine.dropFirst(4).utf8)) as? [String])
        let arguments = try #require(container["args"] as? [String])
        #expect(Array(cmd.dropFirst()).first == "serve")
        #expect(Manifests.option("--config", in: Array(cmd.dropFirst())) == Manifests.option("--config", in: arguments))
        #expect(Manifests.option("--listen", in: Array(cmd.dropFirst())) == Manifests.option("--listen", in: arguments))
        #expect(lines.contains("EXPOSE 9400"))
    }

    // MARK: - the single-replica SQLite overlay

    @Test func theOverlayRunsOneReplicaOnSQLiteOnItsVolume() throws {
        let kustomization = try Manifests.object(at: "\(Self.overlay)/kustomization.yaml")
        #expect(kustomization["bases"] as? [String] == ["../../base"])
        let patch = try Manifests.object(at: "\(Self.overlay)/deployment.yaml")
        let spec = try #require(patch["spec"] as? [String: Any])
        #expect(spec["replicas"] as? Int == 1)
        #expect((spec["strategy"] as? [String: Any])?["type"] as? String == "Recreate", "the old pod closes the file before the new one opens it")
        let claim = try Manifests.object(at: "\(Self.overlay)/persistentvolumeclaim.yaml")
        let claimName = try #require((claim["metadata"] as? [String: Any])?["name"] as? String)
        let pod = try Manifests.podSpec(patch)
        let volumes = try #require(pod["volumes"] as? [[String: Any]])
        let data = try #require(volumes.first { ($0["persistentVolumeClaim"] as? [String: Any])?["claimName"] as? String == claimName })
        let container = try Manifests.container(patch)
        let mounts = try #require(container["volumeMounts"] as? [[String: Any]])
        let dataMount = try #require(mounts.first { $0["name"] as? String == data["name"] as? String }?["mountPath"] as? String)

        let file = try OperatorConfigFile.parse(
            try #require((try Manifests.object(at: "\(Self.overlay)/configmap.yaml")["data"] as? [String: String])?["operator.yaml"]),
            path: "\(Self.overlay)/configmap.yaml")
        let db = try #require(try file.string("db"))
        #expect(db == "/var/lib/operator/operator.db")
        #expect((db as NSString).deletingLastPathComponent == dataMount, "the database is on the claim")
        #expect(try file.clusters().count >= 1)
        let arguments = try #require(container["args"] as? [String])
        #expect(Manifests.option("--db-password-file", in: arguments) == nil, "SQLite has no password")
    }

    /// Rendered by kubectl (kustomize), as CI and a user apply them: the overlay's patches land on the
    /// base without losing its security settings.
    @Test func kubectlRendersTheBaseAndTheOverlay() async throws {
        let kubectl = try StackTestSupport.requireTool("kubectl", package: "kubernetes-client")
        var rendered: [String: [[String: Any]]] = [:]
        for directory in [Self.base, Self.overlay] {
            let output = try await StackTestSupport.run(kubectl, ["kustomize", StackTestSupport.path(directory)])
            try #require(output.succeeded, "kubectl kustomize \(directory):\n\(output.transcript)")
            rendered[directory] = try Manifests.documents(output.standardOutput)
        }
        let baseKinds = rendered[Self.base]?.compactMap { $0["kind"] as? String }.sorted()
        #expect(baseKinds == ["ConfigMap", "Deployment", "PodDisruptionBudget", "Service", "ServiceMonitor"])
        let overlayObjects = try #require(rendered[Self.overlay])
        #expect(overlayObjects.compactMap { $0["kind"] as? String }.sorted() == ((baseKinds ?? []) + ["PersistentVolumeClaim"]).sorted())
        let deployment = try #require(overlayObjects.first { $0["kind"] as? String == "Deployment" })
        #expect((deployment["spec"] as? [String: Any])?["replicas"] as? Int == 1)
        let container = try Manifests.container(deployment)
        #expect((container["securityContext"] as? [String: Any])?["readOnlyRootFilesystem"] as? Bool == true)
        let mounts = (container["volumeMounts"] as? [[String: Any]])?.compactMap { $0["mountPath"] as? String } ?? []
        #expect(Set(mounts) == ["/etc/operator/operator.yaml", "/etc/operator/secrets", "/tmp", "/var/lib/operator"], "\(mounts)")
        let configMap = try #require(overlayObjects.first { $0["kind"] as? String == "ConfigMap" })
        let file = try Manifests.operatorYAML(
            in: configMap, mountedAt: try #require(Manifests.option("--config", in: container["args"] as? [String] ?? [])), by: deployment)
        #expect(try file.string("db") == "/var/lib/operator/operator.db", "the overlay's operator.yaml replaced the base's")
        #expect(Manifests.secretMounts(of: deployment) == ["/etc/operator/secrets/api-token"], "no database password file on SQLite")
    }
}
