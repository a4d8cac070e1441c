import Foundation
import OperatorCore

/// The `notify:` section of operator.yaml: where incidents are sent and how delivery retries.
///
/// ```yaml
/// notify:
///   console_url: https://operator.example.com   # links in every notification
///   retry_base: 1s                              # first wait after a failed attempt, doubled up to retry_cap
///   retry_cap: 5m
///   receivers:
///     - { name: team-alertmanager, type: alertmanager, url: http://alertmanager:9093, on: [opened, diagnosed, resolved] }
///     - { name: pager-bridge, type: webhook, url: https://hooks.example.com/operator, secret_env: OPERATOR_WEBHOOK_SECRET }
///     - { name: chat, type: slack, url_env: SLACK_WEBHOOK_URL, on: [diagnosed, resolved] }
/// ```
/// Unknown keys are refused with the key named; every duration passes its range. Secrets (a webhook's
/// shared secret, a Slack URL, which is its own secret) are named by environment variable or file, never
/// written here, and read only when delivery starts (`ReceiverSettings.secret()`, `url()`).
public struct NotifySettings: Sendable, Equatable {
    public var consoleURL: String?
    public var retryBase: Duration
    public var retryCap: Duration
    public var pollInterval: Duration
    public var receivers: [ReceiverSettings]

    public static let none = NotifySettings(consoleURL: nil, retryBase: .seconds(1), retryCap: .seconds(300), pollInterval: .seconds(1), receivers: [])

    public var isEmpty: Bool { receivers.isEmpty }
}

public struct ReceiverSettings: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case alertmanager, webhook, slack
    }

    public enum Source: Sendable, Equatable {
        case environment(String)
        case file(String)
    }

    public var name: String
    public var kind: Kind
    /// Checked and without userinfo (the credentials are in `credentials`); nil when the URL comes from `urlSource`.
    public var url: EndpointURL?
    public var urlSource: Source?
    public var events: Set<NotificationEvent>
    public var timeout: Duration
    /// Alertmanager only: how often open incidents are posted again (below Alertmanager's resolve_timeout).
    public var repostInterval: Duration
    public var secretSource: Source?

    /// The URL to post to: from operator.yaml, else read from the environment variable or file it names.
    public func resolvedURL(environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigurationError)
        -> EndpointURL
    {
        if let url { return url }
        guard let urlSource else { throw ConfigurationError("notify receiver \(name): no url; set url, url_env or url_file") }
        let text = try Self.read(urlSource, what: "url", receiver: name, environment: environment)
        do {
            return try EndpointURL.parse(text, from: urlSource.settingSource)
        } catch {
            // Not quoted: a Slack webhook's path is its secret.
            throw ConfigurationError("notify receiver \(name): the url in \(urlSource.settingSource.description) is not an http(s) URL; write e.g. https://hooks.slack.com/services/…")
        }
    }

    /// The webhook's shared secret, if one is configured.
    public func secret(environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigurationError) -> Data? {
        guard let secretSource else { return nil }
        return Data(try Self.read(secretSource, what: "secret", receiver: name, environment: environment).utf8)
    }

    private static func read(_ source: Source, what: String, receiver: String, environment: [String: String]) throws(ConfigurationError)
        -> String
    {
        switch source {
        case .environment(let variable):
            guard let value = environment[variable]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
                throw ConfigurationError("notify receiver \(receiver): environment variable \(variable) (its \(what)) is not set; export it before starting")
            }
            return value
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path), data.count <= 64 * 1024,
                let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty
            else {
                throw ConfigurationError("notify receiver \(receiver): cannot read its \(what) from file \(path) (missing, empty, not UTF-8 or over 64 KiB); check the path and its permissions")
            }
            return text
        }
    }
}

extension ReceiverSettings.Source {
    var settingSource: SettingSource {
        switch self {
        case .environment(let name): .environment(name)
        case .file(let path): .file(path: path, key: "(whole file)")
        }
    }
}

extension SettingLimits {
    public static let notifyRetryBase = DurationSetting(name: "notify.retry_base", range: .milliseconds(10)...(.seconds(3600)))
    public static let notifyRetryCap = DurationSetting(name: "notify.retry_cap", range: .milliseconds(10)...(.seconds(24 * 3600)))
    public static let notifyPollInterval = DurationSetting(name: "notify.poll_interval", range: .milliseconds(10)...(.seconds(3600)))
    public static let notifyTimeout = DurationSetting(name: "timeout", range: .milliseconds(100)...(.seconds(300)))
    /// Below Alertmanager's default resolve_timeout (5m) with room for one failed post.
    public static let notifyRepostInterval = DurationSetting(name: "repost_interval", range: .seconds(1)...(.seconds(240)))
}

extension OperatorConfigFile {
    public static let notifyKeys: Set<String> = ["console_url", "retry_base", "retry_cap", "poll_interval", "receivers"]
    public static let receiverKeys: Set<String> = [
        "name", "type", "url", "url_env", "url_file", "on", "timeout", "repost_interval", "secret_env", "secret_file",
    ]

    /// The `notify:` section, checked as a whole: unknown keys, types, ranges, names unique.
    public func notifySettings() throws(ConfigurationError) -> NotifySettings {
        let section = try section("notify")
        var settings = NotifySettings.none
        guard !section.isEmpty else { return settings }
        let file = fileName
        func fail(_ key: String, _ why: String) -> ConfigurationError {
            ConfigurationError("config file \(file): \"notify.\(key)\" \(why)")
        }
        if let unknown = section.keys.filter({ !Self.notifyKeys.contains($0) }).sorted().first {
            throw fail(unknown, "is not a setting; known: " + Self.notifyKeys.sorted().map { "notify.\($0)" }.joined(separator: ", "))
        }
        func duration(_ value: JSONValue?, _ setting: DurationSetting, key: String) throws(ConfigurationError) -> Duration? {
            guard let value else { return nil }
            guard let text = value.stringValue else { throw fail(key, "must be a duration such as 30s or 5m") }
            return try setting.parse(text, from: .file(path: file, key: "notify.\(key)"))
        }
        if let v = section["console_url"] {
            guard let text = v.stringValue else { throw fail("console_url", "must be a URL") }
            settings.consoleURL = try EndpointURL.parse(text, from: .file(path: file, key: "notify.console_url")).url
        }
        if let d = try duration(section["retry_base"], SettingLimits.notifyRetryBase, key: "retry_base") { settings.retryBase = d }
        if let d = try duration(section["retry_cap"], SettingLimits.notifyRetryCap, key: "retry_cap") { settings.retryCap = d }
        if let d = try duration(section["poll_interval"], SettingLimits.notifyPollInterval, key: "poll_interval") { settings.pollInterval = d }
        guard settings.retryCap >= settings.retryBase else {
            throw fail("retry_cap", "(\(DurationText.format(settings.retryCap))) is below notify.retry_base (\(DurationText.format(settings.retryBase))); make the cap at least the base")
        }
        guard let list = section["receivers"] else { throw fail("receivers", "is missing; list at least one receiver or remove notify:") }
        guard case .array(let entries) = list else { throw fail("receivers", "must be a list of receivers") }
        for (index, entry) in entries.enumerated() {
            let receiver = try receiverSettings(entry, index: index, fail: fail, duration: duration)
            if settings.receivers.contains(where: { $0.name == receiver.name }) {
                throw fail("receivers[\(index)].name", "\"\(receiver.name)\" is used twice; names must be unique")
            }
            settings.receivers.append(receiver)
        }
        return settings
    }

    private func receiverSettings(
        _ entry: JSONValue, index: Int, fail: (String, String) -> ConfigurationError,
        duration: (JSONValue?, DurationSetting, String) throws(ConfigurationError) -> Duration?
    ) throws(ConfigurationError) -> ReceiverSettings {
        guard case .object(let o) = entry else { throw fail("receivers[\(index)]", "must be a mapping (name:, type:, url:, on:)") }
        guard let name = o["name"]?.stringValue, !name.isEmpty,
            name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        else { throw fail("receivers[\(index)].name", "must be a name of letters, digits, - and _") }
        let at = "receivers[\(name)]"
        if let unknown = o.keys.filter({ !Self.receiverKeys.contains($0) }).sorted().first {
            throw fail("\(at).\(unknown)", "is not a setting; known: " + Self.receiverKeys.sorted().joined(separator: ", "))
        }
        guard let typeText = o["type"]?.stringValue, let kind = ReceiverSettings.Kind(rawValue: typeText) else {
            throw fail("\(at).type", "must be one of " + ReceiverSettings.Kind.allCases.map(\.rawValue).joined(separator: ", "))
        }
        func source(_ envKey: String, _ fileKey: String) throws(ConfigurationError) -> ReceiverSettings.Source? {
            switch (o[envKey], o[fileKey]) {
            case (nil, nil): return nil
            case (let env?, nil):
                guard let v = env.stringValue, !v.isEmpty else { throw fail("\(at).\(envKey)", "must name an environment variable") }
                return .environment(v)
            case (nil, let path?):
                guard let v = path.stringValue, !v.isEmpty else { throw fail("\(at).\(fileKey)", "must be a file path") }
                return .file(resolvedPath(v))
            default: throw fail(at, "has both \(envKey) and \(fileKey); keep one")
            }
        }
        var url: EndpointURL?
        if let v = o["url"] {
            guard let text = v.stringValue else { throw fail("\(at).url", "must be a URL") }
            if kind == .slack {
                do { url = try EndpointURL.parse(text, from: .file(path: fileName, key: "notify.\(at).url")) } catch {
                    throw fail("\(at).url", "is not an http(s) URL (not shown: a Slack webhook URL is its secret)")
                }
            } else {
                url = try EndpointURL.parse(text, from: .file(path: fileName, key: "notify.\(at).url"))
            }
        }
        let urlSource = try source("url_env", "url_file")
        guard (url == nil) != (urlSource == nil) else {
            throw fail(at, url == nil ? "needs url, url_env or url_file" : "has url and url_env/url_file; keep one")
        }
        var events = Set(NotificationEvent.allCases)
        if let on = o["on"] {
            guard case .array(let items) = on, !items.isEmpty else {
                throw fail("\(at).on", "must be a list of events: " + NotificationEvent.allCases.map(\.rawValue).joined(separator: ", "))
            }
            events = []
            for item in items {
                guard let text = item.stringValue, let event = NotificationEvent(rawValue: text) else {
                    throw fail("\(at).on", "holds \(item.jsonText); events are " + NotificationEvent.allCases.map(\.rawValue).joined(separator: ", "))
                }
                events.insert(event)
            }
        }
        let secretSource = try source("secret_env", "secret_file")
        if secretSource != nil && kind != .webhook {
            throw fail(at, "has a secret, but only a webhook receiver signs its body")
        }
        if o["repost_interval"] != nil && kind != .alertmanager {
            throw fail("\(at).repost_interval", "applies to alertmanager receivers only")
        }
        return ReceiverSettings(
            name: name, kind: kind, url: url, urlSource: urlSource, events: events,
            timeout: try duration(o["timeout"], SettingLimits.notifyTimeout, "\(at).timeout") ?? .seconds(10),
            repostInterval: try duration(o["repost_interval"], SettingLimits.notifyRepostInterval, "\(at).repost_interval") ?? .seconds(60),
            secretSource: secretSource)
    }
}
