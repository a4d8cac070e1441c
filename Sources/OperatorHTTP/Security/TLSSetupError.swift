/// TLS material that cannot be used: names the setting, the file and what to fix. Never contains a key.
public struct TLSSetupError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }

    static func unreadable(_ setting: String, _ path: String, _ reason: String) -> TLSSetupError {
        TLSSetupError("TLS \(setting) \(path) cannot be read (\(reason)); check the path and that this user may read it")
    }

    static func notPEM(_ setting: String, _ path: String, _ what: String) -> TLSSetupError {
        TLSSetupError("TLS \(setting) \(path) holds no usable PEM \(what); give a PEM file (-----BEGIN ...-----)")
    }
}
