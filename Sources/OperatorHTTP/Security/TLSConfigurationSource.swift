import Foundation
import NIOSSL
import Synchronization

/// Builds the `TLSConfiguration` for one set of ``TLSFileSettings`` and builds it again when any of its
/// files changes on disk, so a rotated CA, client certificate or key is used by the next request without a
/// restart. Cheap to ask on every request: a `stat` of each file, and a read only when one changed.
///
/// The built configuration is checked at once (the key must match the certificate, the PEM must parse),
/// so a bad file fails with a message naming it rather than as a handshake error later. A file that turns
/// bad during rotation (half-written) keeps the last good configuration only until the next check:
/// the error is raised, never hidden.
public final class TLSConfigurationSource: Sendable {
    public let settings: TLSFileSettings

    private struct Built {
        var fingerprints: [FileFingerprint?]
        var configuration: TLSConfiguration
    }
    private let built = Mutex<Built?>(nil)
    /// How many times the files were read: a rotation shows as one more.
    private let loads = Atomic<Int>(0)

    public init(settings: TLSFileSettings) {
        self.settings = settings
    }

    /// The configuration as the files are now.
    public func configuration() throws(TLSSetupError) -> TLSConfiguration {
        let paths = [settings.caFile, settings.certFile, settings.keyFile]
        let fingerprints = paths.map { $0.flatMap(FileFingerprint.of) }
        // Compared and rebuilt under the lock: the first requests of a tick arrive together, and each
        // reading the files again would count (and cost) one load per request instead of one per change.
        return try built.withLock { (current: inout Built?) throws(TLSSetupError) -> TLSConfiguration in
            if let current, current.fingerprints == fingerprints { return current.configuration }
            let configuration = try Self.build(self.settings)
            self.loads.add(1, ordering: .relaxed)
            current = Built(fingerprints: fingerprints, configuration: configuration)
            return configuration
        }
    }

    /// How many times the files have been read (1 after the first request; one more per rotation seen).
    public var loadCount: Int { loads.load(ordering: .relaxed) }

    /// Reads and checks the files. Internal so tests can check a configuration without a source.
    static func build(_ settings: TLSFileSettings) throws(TLSSetupError) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let caFile = settings.caFile {
            let bytes = try read(caFile, setting: "ca_file")
            let roots: [NIOSSLCertificate]
            do { roots = try NIOSSLCertificate.fromPEMBytes(bytes) } catch {
                throw TLSSetupError.notPEM("ca_file", caFile, "certificate")
            }
            guard !roots.isEmpty else { throw TLSSetupError.notPEM("ca_file", caFile, "certificate") }
            configuration.trustRoots = .certificates(roots)
        }
        switch (settings.certFile, settings.keyFile) {
        case (nil, nil):
            break
        case (let certFile?, let keyFile?):
            let chain: [NIOSSLCertificate]
            do { chain = try NIOSSLCertificate.fromPEMBytes(try read(certFile, setting: "cert_file")) } catch let error as TLSSetupError {
                throw error
            } catch {
                throw TLSSetupError.notPEM("cert_file", certFile, "certificate")
            }
            guard !chain.isEmpty else { throw TLSSetupError.notPEM("cert_file", certFile, "certificate") }
            let keyBytes = try read(keyFile, setting: "key_file")
            let key: NIOSSLPrivateKey
            do { key = try NIOSSLPrivateKey(bytes: keyBytes, format: .pem) } catch {
                throw TLSSetupError(
                    "TLS key_file \(keyFile) holds no usable PEM private key (an encrypted key is not supported); give the unencrypted PEM key of cert_file \(certFile)")
            }
            configuration.certificateChain = chain.map { .certificate($0) }
            configuration.privateKey = .privateKey(key)
        case (nil, let keyFile?):
            throw TLSSetupError("TLS key_file \(keyFile) is set without cert_file; a client certificate needs both cert_file and key_file")
        case (let certFile?, nil):
            throw TLSSetupError("TLS cert_file \(certFile) is set without key_file; a client certificate needs both cert_file and key_file")
        }
        if settings.insecureSkipVerify { configuration.certificateVerification = .none }
        // Creating the context is where BoringSSL checks that the key belongs to the certificate.
        do { _ = try NIOSSLContext(configuration: configuration) } catch {
            if let certFile = settings.certFile, let keyFile = settings.keyFile {
                throw TLSSetupError(
                    "TLS key_file \(keyFile) does not match cert_file \(certFile) (\(error)); give the key the certificate was issued for")
            }
            throw TLSSetupError("TLS settings cannot be used: \(error)")
        }
        return configuration
    }

    private static func read(_ path: String, setting: String) throws(TLSSetupError) -> [UInt8] {
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            // Certificates and keys are a few KB; a huge file is a wrong path, not a bundle.
            guard data.count <= 4 << 20 else {
                throw TLSSetupError("TLS \(setting) \(path) is \(data.count) bytes, too large for a PEM bundle; check the path")
            }
            return Array(data)
        } catch let error as TLSSetupError {
            throw error
        } catch {
            let reason = (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
            throw TLSSetupError.unreadable(setting, path, reason)
        }
    }
}
