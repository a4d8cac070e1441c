import AsyncHTTPClient
import Foundation
import NIOCore
import OperatorCore
import OperatorHTTP

/// A member as the cluster's directory lists it (for TiKV: a store as PD reports it).
public struct DirectoryMember: Sendable, Equatable {
    public var entity: Entity
    /// `host:port`, as the cluster advertises it.
    public var address: String
    /// The host part of `address`: the compose service running the member.
    public var service: String
    public var state: String?

    public init(entity: Entity, address: String, service: String, state: String?) {
        self.entity = entity
        self.address = address
        self.service = service
        self.state = state
    }
}

/// Reads a plan's ``ComposeClusterPlan/MemberDirectory``: one GET, then the paths it names.
public enum MemberDirectoryClient {
    /// Asks each URL in turn and returns the first answer's members.
    public static func list(
        _ directory: ComposeClusterPlan.MemberDirectory, timeout: Duration = .seconds(3)
    ) async throws(ComposeError) -> [DirectoryMember] {
        var lastError = ComposeError.memberDirectory(url: "(none)", reason: "the plan lists no URL")
        for url in directory.urls {
            do throws(ComposeError) {
                let body = try await fetch(url, timeout: timeout)
                return try members(in: body, directory: directory, source: url)
            } catch {
                lastError = error
            }
        }
        throw lastError
    }

    static func fetch(_ url: String, timeout: Duration) async throws(ComposeError) -> JSONValue {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        request.headers.add(name: "Accept", value: "application/json")
        let data: ByteBuffer
        let status: Int
        do {
            let response = try await OperatorHTTPClient.fetch(request, deadline: timeout, maxBodyBytes: 16 << 20)
            status = response.status
            data = response.body
        } catch {
            throw .memberDirectory(url: url, reason: "request failed (\(error.reason)); is the cluster up and its API published on the host?")
        }
        let text = String(buffer: data)
        guard (200..<300).contains(status) else {
            throw .memberDirectory(url: url, reason: "HTTP \(status): \(text.prefix(300))")
        }
        do {
            return try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        } catch {
            throw .memberDirectory(url: url, reason: "the body is not JSON (\(error)): \(text.prefix(200))")
        }
    }

    /// Picks the members out of a directory answer. Each item must have an id and an address; the state is
    /// optional (absent fields are how Go's omitempty spells zero values).
    public static func members(
        in body: JSONValue, directory: ComposeClusterPlan.MemberDirectory, source: String
    ) throws(ComposeError) -> [DirectoryMember] {
        let listField = directory.listPath.joined(separator: ".")
        guard let items = value(at: directory.listPath, in: body)?.arrayValue else {
            throw .memberDirectory(url: source, reason: "no array at `\(listField)`")
        }
        var members: [DirectoryMember] = []
        for (index, item) in items.enumerated() {
            let field = { (path: [String]) in "\(listField)[\(index)].\(path.joined(separator: "."))" }
            guard let id = value(at: directory.idPath, in: item).flatMap(idText) else {
                throw .memberDirectory(url: source, reason: "`\(field(directory.idPath))` is missing or not an id")
            }
            guard let address = value(at: directory.addressPath, in: item)?.stringValue, !address.isEmpty else {
                throw .memberDirectory(url: source, reason: "`\(field(directory.addressPath))` is missing or empty")
            }
            let entity = Entity(kind: directory.kind, id: id)
            members.append(DirectoryMember(
                entity: entity, address: address, service: host(of: address),
                state: value(at: directory.statePath, in: item)?.stringValue))
        }
        return members.sorted { $0.entity < $1.entity }
    }

    static func value(at path: [String], in value: JSONValue) -> JSONValue? {
        var current: JSONValue? = value
        for key in path { current = current?[key] }
        return current
    }

    /// Ids arrive as JSON numbers (PD's uint64 store ids) or strings.
    static func idText(_ value: JSONValue) -> String? {
        switch value {
        case .string(let s) where !s.isEmpty: return s
        case .number(let n) where n >= 0 && n == n.rounded() && n < 9.007_199_254_740_992e15: return String(UInt64(n))
        default: return nil
        }
    }

    /// `tikv1:20160` → `tikv1`; `[::1]:20160` → `::1`; a bare host stays as is.
    static func host(of address: String) -> String {
        var text = Substring(address)
        if let scheme = text.range(of: "://") { text = text[scheme.upperBound...] }
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            return String(text[text.index(after: text.startIndex)..<close])
        }
        if let colon = text.lastIndex(of: ":") { return String(text[..<colon]) }
        return String(text)
    }
}
