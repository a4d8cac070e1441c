import Foundation
import OperatorConfiguration
import OperatorCore
import Testing

@Suite("notify: receivers in operator.yaml")
struct NotifySettingsTests {
    static func load(_ yaml: String) throws(ConfigurationError) -> NotifySettings {
        try OperatorConfigFile.parse(yaml, path: "op.yaml").notifySettings()
    }

    static func error(_ yaml: String) -> String? {
        do throws(ConfigurationError) {
            _ = try OperatorConfigFile.parse(yaml, path: "op.yaml")
            return nil
        } catch {
            return error.message
        }
    }

    @Test func allThreeReceiversParse() throws {
        let settings = try Self.load(
            """
            notify:
              console_url: https://operator.example.com/
              retry_base: 2s
              retry_cap: 1m
              receivers:
                - { name: am, type: alertmanager, url: "http://user:pw@alertmanager:9093", repost_interval: 30s }
                - { name: hook, type: webhook, url: "https://hooks.example.com/operator", secret_env: HOOK_SECRET, on: [opened, resolved] }
                - { name: chat, type: slack, url_file: /run/secrets/slack-url, on: [diagnosed] }
            """)
        #expect(settings.consoleURL == "https://operator.example.com")
        #expect(settings.retryBase == .seconds(2) && settings.retryCap == .seconds(60))
        #expect(settings.receivers.map(\.name) == ["am", "hook", "chat"])
        let am = settings.receivers[0]
        #expect(am.kind == .alertmanager && am.url?.url == "http://alertmanager:9093", "userinfo split off the URL")
        #expect(am.url?.credentials?.username == "user")
        #expect(am.events == Set(NotificationEvent.allCases), "no on: means every event")
        #expect(am.repostInterval == .seconds(30))
        #expect(settings.receivers[1].events == [.opened, .resolved])
        #expect(settings.receivers[1].secretSource == .environment("HOOK_SECRET"))
        #expect(try settings.receivers[1].secret(environment: ["HOOK_SECRET": "s3cr3t-value"]) == Data("s3cr3t-value".utf8))
        #expect(settings.receivers[2].urlSource == .file("/run/secrets/slack-url"))
        #expect(try Self.load("subject: tikv").isEmpty)
    }

    @Test func badReceiversAreNamedWithTheFix() {
        let cases: [(String, [String])] = [
            ("notify: { receivers: [{ name: a, type: pager, url: http://x }] }", ["receivers[a].type", "alertmanager, webhook, slack"]),
            ("notify: { receivers: [{ name: a, type: webhook, url: http://x, colour: red }] }", ["receivers[a].colour", "is not a setting"]),
            ("notify: { recievers: [] }", ["notify.recievers", "is not a setting"]),
            ("notify: { receivers: [{ name: a, type: webhook, url: http://x, on: [paged] }] }", ["receivers[a].on", "paged", "opened"]),
            ("notify: { receivers: [{ name: a, type: webhook }] }", ["receivers[a]", "needs url"]),
            ("notify: { receivers: [{ name: a, type: webhook, url: http://x }, { name: a, type: slack, url: http://y }] }", ["used twice"]),
            ("notify: { retry_base: 0s, receivers: [] }", ["notify.retry_base", "0s"]),
            ("notify: { retry_base: 10s, retry_cap: 1s, receivers: [] }", ["retry_cap", "below notify.retry_base"]),
            ("notify: { receivers: [{ name: a, type: alertmanager, url: http://x, repost_interval: 10m }] }", ["repost_interval", "10m"]),
            ("notify: { receivers: [{ name: a, type: slack, url: http://x, secret_env: S }] }", ["only a webhook receiver signs"]),
            ("notify: { receivers: [{ name: a, type: webhook, url: http://x:99999 }] }", ["receivers[a].url", "1…65535"]),
        ]
        for (yaml, fragments) in cases {
            let message = Self.error(yaml)
            #expect(message != nil, "\(yaml) should be refused")
            for fragment in fragments {
                #expect(message?.contains(fragment) == true, "\(yaml): \(message ?? "accepted") should contain \(fragment)")
            }
        }
    }

    @Test func aSlackURLIsNeverQuotedInErrors() {
        let message = Self.error("notify: { receivers: [{ name: chat, type: slack, url: \"https://hooks.slack.com:0/services/T0/B0/TOKENVALUE\" }] }")
        #expect(message != nil)
        #expect(message?.contains("TOKENVALUE") == false)
    }

    @Test func aMissingSecretIsReportedWhenDeliveryStarts() throws {
        let settings = try Self.load("notify: { receivers: [{ name: hook, type: webhook, url: http://x, secret_env: HOOK_SECRET }] }")
        #expect(throws: ConfigurationError.self) { try settings.receivers[0].secret(environment: [:]) }
        do throws(ConfigurationError) {
            _ = try settings.receivers[0].secret(environment: [:])
        } catch {
            #expect(error.message.contains("HOOK_SECRET") && error.message.contains("not set"))
        }
    }
}
