import Foundation
import HTTPTypes
import Hummingbird
import Logging
import OperatorCore

/// Mounts the console's pages on a Hummingbird router: `/`, `/incidents/{id}`, `/clusters/{name}`.
///
/// `operator serve` calls this with a `ConsolePageSource` over its store and the clusters' tick statuses;
/// the API routes (`/api/v1/...`, which the incident page's buttons post to) are mounted beside these.
public enum ConsoleRoutes {
    /// Incidents listed on the home page.
    public static let homeIncidentLimit = 50

    public static func add<Context: RequestContext>(
        to router: Router<Context>, source: some ConsolePageSource, pages: ConsolePages,
        logger: Logger = Logger(label: "operator.console"), now: @escaping @Sendable () -> Date = Date.init
    ) {
        let responder = ConsoleResponder(source: source, pages: pages, logger: logger, now: now)
        router.get("/") { _, _ in await responder.home() }
        // Path parameters arrive percent-encoded (the console's own links encode cluster names).
        router.get("/incidents/:id") { _, context in await responder.incident(decoded(context.parameters.get("id"))) }
        router.get("/clusters/:name") { _, context in await responder.cluster(decoded(context.parameters.get("name"))) }
    }

    static func decoded(_ segment: String?) -> String {
        guard let segment else { return "" }
        return segment.removingPercentEncoding ?? segment
    }

    /// The same with the default pages (10 s refresh).
    public static func add<Context: RequestContext>(
        to router: Router<Context>, source: some ConsolePageSource, logger: Logger = Logger(label: "operator.console")
    ) throws {
        add(to: router, source: source, pages: try ConsolePages(), logger: logger)
    }
}
