import Foundation
import Mustache

/// Renders the console's pages to HTML strings. Everything shown passes through a mustache `{{ }}`
/// variable, which HTML-escapes it (`<`, `>`, `&`, `"`, `'`), in text and in attributes alike.
public struct ConsolePages: Sendable {
    /// Seconds between the pages' own refreshes.
    public var refreshSeconds: Int
    private let library: MustacheLibrary

    /// Fails only if a template does not compile (a programming error, caught by the tests).
    public init(refreshSeconds: Int = 10) throws {
        self.refreshSeconds = max(1, refreshSeconds)
        var library = MustacheLibrary()
        for (name, text) in Self.templates {
            try library.register(text, named: name)
        }
        self.library = library
    }

    /// Every template by name (tests check that none of them can print unescaped text).
    static let templates: [(String, String)] = [
        (LayoutTemplate.name, LayoutTemplate.text),
        (HomeTemplate.name, HomeTemplate.text),
        (IncidentRowsTemplate.name, IncidentRowsTemplate.text),
        (IncidentTemplate.name, IncidentTemplate.text),
        (TicketRowsTemplate.name, TicketRowsTemplate.text),
        (ClusterTemplate.name, ClusterTemplate.text),
        (MessageTemplate.name, MessageTemplate.text),
    ]

    public func home(clusters: [ConsoleClusterSummary], incidents: [ConsoleIncidentSummary], now: Date, nonce: String) -> String {
        let frame = frame(now: now, nonce: nonce)
        let view = HomePageView(
            nonce: frame.nonce, refreshSeconds: frame.refreshSeconds, renderedAt: frame.renderedAt,
            clusters: clusters.map { ClusterRowView($0, now: now) }, incidents: incidents.map(IncidentRowView.init))
        return render(view, HomeTemplate.name)
    }

    public func incident(_ detail: ConsoleIncidentDetail, now: Date, nonce: String) -> String {
        render(IncidentPageView(detail, frame: frame(now: now, nonce: nonce)), IncidentTemplate.name)
    }

    public func cluster(_ detail: ConsoleClusterDetail, now: Date, nonce: String) -> String {
        render(ClusterPageView(detail, frame: frame(now: now, nonce: nonce), now: now), ClusterTemplate.name)
    }

    /// A 404 or 500 page: a heading and one sentence saying what was asked for and what to do.
    public func message(heading: String, message: String, now: Date, nonce: String) -> String {
        let frame = frame(now: now, nonce: nonce)
        let view = MessagePageView(
            nonce: frame.nonce, refreshSeconds: frame.refreshSeconds, renderedAt: frame.renderedAt, heading: heading,
            message: message)
        return render(view, MessageTemplate.name)
    }

    private func frame(now: Date, nonce: String) -> PageFrame {
        PageFrame(nonce: nonce, refreshSeconds: refreshSeconds, renderedAt: ConsoleText.time(now))
    }

    private func render(_ view: Any, _ template: String) -> String {
        // Every name is registered in init, so the lookup cannot miss.
        library.render(view, withTemplate: template) ?? ""
    }
}
