import Foundation
import OperatorCore
import OperatorHTTP
import OperatorTestSupport
import Testing

@testable import DeployLocal
@testable import SubjectEtcd

/// etcd as production runs it: TLS between clients and members and between peers, client certificates
/// required; and etcd's own username/password authentication.
@Suite("etcd secured: mutual TLS and authentication", .serialized)
struct SecuredEtcdTests {
    /// Members on https with client and peer TLS, client certificates required (`--client-cert-auth`).
    static func tlsCluster(_ certs: TestCertificates, members: Int) throws -> RealEtcdCluster {
        try RealEtcdCluster(members: members) { plan in
            for i in plan.members.indices {
                var member = plan.members[i]
                member.arguments = member.arguments.map { $0.replacingOccurrences(of: "http://", with: "https://") } + [
                    "--cert-file", certs.serverCert, "--key-file", certs.serverKey,
                    "--client-cert-auth", "--trusted-ca-file", certs.caFile,
                    "--peer-cert-file", certs.serverCert, "--peer-key-file", certs.serverKey,
                    "--peer-client-cert-auth", "--peer-trusted-ca-file", certs.caFile,
                ]
                member.endpoint = member.endpoint.replacingOccurrences(of: "http://", with: "https://")
                member.healthURL = member.healthURL.replacingOccurrences(of: "http://", with: "https://")
                plan.members[i] = member
            }
        }
    }

    static func scope(_ certs: TestCertificates) -> HTTPSecurityScope {
        HTTPSecurityScope(clusterTLS: TLSConfigurationSource(settings: TLSFileSettings(
            caFile: certs.caFile, certFile: certs.clientCert, keyFile: certs.clientKey)))
    }

    @Test(
        "three members over mutual TLS: healthy, then a killed member is seen",
        .enabled(if: RealEtcdCluster.installed && TestCertificates.installed, "needs etcd and openssl"))
    func mutualTLSCluster() async throws {
        let certs = try await TestCertificates.make()
        defer { certs.directory.remove() }
        let cluster = try Self.tlsCluster(certs, members: 3)
        defer { cluster.cleanup() }
        // Everything this test asks of the cluster, the health probes of `up` included, goes over its TLS.
        try await HTTPSecurityScope.$current.withValue(Self.scope(certs)) {
            _ = try await cluster.deployment.up { _ in }
            let subject = try EtcdSubject(configuration: SubjectConfiguration(
                endpoints: cluster.endpoints, settings: ["probe_timeout": "5s"], requestTimeout: .seconds(10)))
            var last = ""
            try await eventually("all three members healthy over TLS", describe: { last }) {
                let evaluation = try await subject.check()
                last = "\(evaluation.verdict) \(evaluation.violations.map(\.message)) \(evaluation.snapshot.endpointErrors)"
                return evaluation.verdict == .healthy && evaluation.snapshot.members.count == 3
                    && evaluation.snapshot.members.allSatisfy(\.reachable)
            }
            #expect(cluster.endpoints.allSatisfy { $0.hasPrefix("https://") })

            // A recipe fault given the TLS files (as ETCDCTL_CACERT/CERT/KEY give them to `operator chaos`),
            // outside any scope: leadership moves to a follower. Without them the same fault fails on TLS.
            let members = cluster.plan.members.map {
                RecipeFaultCluster.Member(entity: $0.entity, endpoint: $0.endpoint, running: true)
            }
            let faultCluster = RecipeFaultCluster(members: members, stopMember: { _, _ in })
            let moveLeader = DeploymentFault(kind: "move-leader", entity: .cluster)
            let files = TLSFileSettings(caFile: certs.caFile, certFile: certs.clientCert, keyFile: certs.clientKey)
            let leaderBefore = try await subject.observe().leader?.name
            var withoutFiles = ""
            try await HTTPSecurityScope.$current.withValue(nil) {
                try await EtcdProcessFaults(credentials: .explicit(session: nil, tls: files)).inject(moveLeader, cluster: faultCluster)
                do {
                    try await EtcdProcessFaults(credentials: .explicit(session: nil, tls: nil)).inject(moveLeader, cluster: faultCluster)
                } catch { withoutFiles = "\(error)" }
            }
            let leaderAfter = try await subject.observe().leader?.name
            #expect(leaderBefore != nil && leaderAfter != nil && leaderBefore != leaderAfter, "\(leaderBefore ?? "-") -> \(leaderAfter ?? "-")")
            #expect(withoutFiles.contains("TLS"), "\(withoutFiles)")

            let victim = Entity(kind: "member", id: "e2")
            try await cluster.deployment.kill(victim)
            try await eventually("member-down on e2 over TLS", describe: { last }) {
                let evaluation = try await subject.check()
                last = "\(evaluation.violations.map { "\($0.invariant)@\($0.entity)" })"
                return evaluation.violations.contains { $0.invariant == "member-down" && $0.entity == victim }
            }
        }
    }

    @Test(
        "without the client certificate, or with the wrong CA, observation fails saying why",
        .enabled(if: RealEtcdCluster.installed && TestCertificates.installed, "needs etcd and openssl"))
    func tlsFailuresSayWhy() async throws {
        let certs = try await TestCertificates.make()
        defer { certs.directory.remove() }
        let cluster = try Self.tlsCluster(certs, members: 1)
        defer { cluster.cleanup() }
        try await HTTPSecurityScope.$current.withValue(Self.scope(certs)) {
            _ = try await cluster.deployment.up { _ in }
        }
        func failure(_ tls: TLSFileSettings) async -> String {
            let scope = HTTPSecurityScope(clusterTLS: TLSConfigurationSource(settings: tls))
            return await HTTPSecurityScope.$current.withValue(scope) {
                do {
                    let subject = try EtcdSubject(configuration: SubjectConfiguration(endpoints: cluster.endpoints, requestTimeout: .seconds(10)))
                    _ = try await subject.observe()
                    return "observed"
                } catch {
                    return "\(error)"
                }
            }
        }
        let noClientCert = await failure(TLSFileSettings(caFile: certs.caFile))
        let wrongCA = await failure(TLSFileSettings(caFile: certs.wrongCAFile, certFile: certs.clientCert, keyFile: certs.clientKey))
        let endpoint = try #require(cluster.endpoints.first)
        #expect(noClientCert.contains(endpoint), "\(noClientCert)")
        #expect(noClientCert.contains("requires a client certificate"), "\(noClientCert)")
        #expect(wrongCA.contains("not signed by the CA in ca_file \(certs.wrongCAFile)"), "\(wrongCA)")
        #expect(!wrongCA.contains("check that etcd is running"), "a TLS failure is not a dead member: \(wrongCA)")
        // Plain http:// to the TLS port: etcd answers 400 "Client sent an HTTP request to an HTTPS server".
        let plain = endpoint.replacingOccurrences(of: "https://", with: "http://")
        var plainError = ""
        do {
            _ = try await EtcdSubject(configuration: SubjectConfiguration(endpoints: [plain], requestTimeout: .seconds(10))).observe()
        } catch { plainError = "\(error)" }
        #expect(plainError.contains("speaks TLS on this port"), "\(plainError)")
    }

    @Test(
        "auth enabled: a read-only user observes, its token is renewed when it expires, a wrong password is named",
        .enabled(if: RealEtcdCluster.installed && ExecutableLookup.find("etcdctl") != nil, "needs etcd and etcdctl"))
    func authenticatedCluster() async throws {
        let cluster = try RealEtcdCluster(members: 1) { plan in
            // Simple tokens expire after 2 s without use, so the test sees renewal without waiting minutes.
            plan.members[0].arguments += ["--auth-token-ttl", "2"]
        }
        defer { cluster.cleanup() }
        _ = try await cluster.deployment.up { _ in }
        let endpoint = try #require(cluster.endpoints.first)
        for command in [
            ["user", "add", "root:rootpw"], ["user", "add", "reader:readpw"], ["role", "add", "observer"],
            ["role", "grant-permission", "observer", "read", "operator-read-probe"], ["user", "grant-role", "reader", "observer"],
            ["auth", "enable"],
        ] {
            try await etcdctl(endpoint, command)
        }
        let secrets = try TemporaryDirectory(prefix: "operator-etcd-auth")
        defer { secrets.remove() }
        try "readpw\n".write(toFile: secrets.file("password"), atomically: true, encoding: .utf8)
        try "wrong\n".write(toFile: secrets.file("wrong"), atomically: true, encoding: .utf8)

        let subject = try EtcdSubject(configuration: SubjectConfiguration(
            endpoints: cluster.endpoints,
            settings: ["username": "reader", "password_file": .string(secrets.file("password")), "probe_timeout": "5s"],
            requestTimeout: .seconds(10)))
        let session = try #require(subject.gateway.auth)
        var last = ""
        try await eventually("the read-only user observes a healthy member", describe: { last }) {
            let evaluation = try await subject.check()
            last = "\(evaluation.verdict) \(evaluation.violations.map(\.message)) \(evaluation.snapshot.members.map(\.reachable))"
            return evaluation.verdict == .healthy && evaluation.snapshot.linearizableRead?.succeeded == true
        }
        let first = session.authentications
        // A simple token expires 2 s after its last use: idle past that, and the next observation must
        // still work, the session authenticating again. (The idle time is the condition, not an assertion.)
        try await eventually("the token renewed after expiry", every: .seconds(3), describe: { last }) {
            let evaluation = try await subject.check()
            last = "\(evaluation.verdict) \(evaluation.violations.map(\.message)) authentications \(session.authentications)"
            #expect(evaluation.verdict == .healthy, "\(last)")
            return session.authentications > first
        }

        let wrong = try EtcdSubject(configuration: SubjectConfiguration(
            endpoints: cluster.endpoints, settings: ["username": "reader", "password_file": .string(secrets.file("wrong"))],
            requestTimeout: .seconds(10)))
        var refused = ""
        do { _ = try await wrong.observe() } catch { refused = "\(error)" }
        #expect(refused.contains("etcd refused user reader (password from file \(secrets.file("wrong")))"), "\(refused)")
        #expect(!refused.contains("wrong\n") && !refused.contains("readpw"))
    }

    @Test(
        "recipe faults on an auth-enabled cluster: refused without a user, saying which; done as root",
        .enabled(if: RealEtcdCluster.installed && ExecutableLookup.find("etcdctl") != nil, "needs etcd and etcdctl"))
    func recipeFaultsAuthenticate() async throws {
        let cluster = try RealEtcdCluster(members: 1)
        defer { cluster.cleanup() }
        _ = try await cluster.deployment.up { _ in }
        let endpoint = try #require(cluster.endpoints.first)
        for command in [
            ["user", "add", "root:rootpw"], ["user", "add", "reader:readpw"], ["role", "add", "observer"],
            ["role", "grant-permission", "observer", "read", "operator-read-probe"], ["user", "grant-role", "reader", "observer"],
            ["auth", "enable"],
        ] {
            try await etcdctl(endpoint, command)
        }
        let members = [RecipeFaultCluster.Member(entity: Entity(kind: "member", id: "e1"), endpoint: endpoint, running: true)]
        let faultCluster = RecipeFaultCluster(members: members, stopMember: { _, _ in })
        // Lifting nospace deletes keys, compacts, defragments and reads the alarms: writes and admin calls.
        let fault = DeploymentFault(kind: "nospace", entity: Entity(kind: "member", id: "e1"))
        func lift(_ credentials: EtcdFaultCredentials) async -> String {
            do {
                try await EtcdProcessFaults(credentials: credentials).lift(fault, cluster: faultCluster)
                return "lifted"
            } catch {
                return "\(error)"
            }
        }
        let anonymous = await lift(.explicit(session: nil, tls: nil))
        let reader = await lift(.explicit(session: EtcdAuthSession(username: "reader", password: .value("readpw")), tls: nil))
        let root = EtcdAuthSession(username: "root", password: .value("rootpw"))
        let asRoot = await lift(.explicit(session: root, tls: nil))
        #expect(anonymous.contains("authentication enabled") && anonymous.contains("ETCDCTL_USER"), "\(anonymous)")
        #expect(reader.contains("permission denied") && reader.contains("only root"), "\(reader)")
        #expect(!reader.contains("readpw"))
        #expect(asRoot == "lifted")
        #expect(root.authentications == 1, "one token for the one member, used for every request")
    }

    @Test func faultCredentialsFromEtcdctlsEnvironment() throws {
        let fault = DeploymentFault(kind: "move-leader", entity: .cluster)
        let (none, noTLS) = try EtcdFaultCredentials.environment.resolve(fault: fault, environment: [:])
        #expect(none == nil && noTLS == nil)
        let (inline, tls) = try EtcdFaultCredentials.environment.resolve(
            fault: fault, environment: ["ETCDCTL_USER": "root:pw", "ETCDCTL_CACERT": "/ca.pem", "ETCDCTL_CERT": "/c.pem", "ETCDCTL_KEY": "/k.pem"])
        #expect(inline?.username == "root" && inline?.password == .value("pw"))
        #expect(tls == TLSFileSettings(caFile: "/ca.pem", certFile: "/c.pem", keyFile: "/k.pem"))
        let (separate, _) = try EtcdFaultCredentials.environment.resolve(
            fault: fault, environment: ["ETCDCTL_USER": "root", "ETCDCTL_PASSWORD": "pw"])
        #expect(separate?.password == .environment("ETCDCTL_PASSWORD"))
        #expect(throws: EtcdFaultError.self) {
            try EtcdFaultCredentials.environment.resolve(fault: fault, environment: ["ETCDCTL_USER": "root"])
        }
    }

    /// Runs etcdctl (v3 API) as root once auth is on, polling for its exit without blocking a thread.
    func etcdctl(_ endpoint: String, _ arguments: [String]) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(ExecutableLookup.find("etcdctl")))
        process.arguments = ["--endpoints", endpoint, "--user", "root:rootpw", "--dial-timeout", "20s"] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["ETCDCTL_API"] = "3"
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let deadline = ContinuousClock.now + .seconds(120)
        while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning { process.terminate() }
        let text = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw RealEtcdCluster.Failure("etcdctl \(arguments.joined(separator: " ")) failed: \(text)")
        }
    }
}
