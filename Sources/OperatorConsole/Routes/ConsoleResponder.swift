import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import OperatorCore

/// Turns one page request into an HTML response: the page, a 404 naming what does not exist, or a 500
/// saying what could not be read (never an empty page that reads as "nothing wrong").
struct ConsoleResponder<Source: ConsolePageSource>: Sendable {
    let source: Source
    let pages: ConsolePages
    let logger: Logger
    let now: @Sendable () -> Date

    func home() async -> Response {
        let nonce = ConsoleHeaders.nonce()
        do {
            async let clusters = source.clusters()
            async let incidents = source.recentIncidents(limit: ConsoleRoutes.homeIncidentLimit)
            let page = pages.home(clusters: try await clusters, incidents: try await incidents, now: now(), nonce: nonce)
            return html(page, nonce: nonce)
        } catch {
            return failure("the clusters and incidents", error, nonce: nonce)
        }
    }

    func incident(_ idText: String) async -> Response {
        let nonce = ConsoleHeaders.nonce()
        guard let id = Int64(idText), id > 0 else {
            return notFound(
                "No incident \"\(idText)\"",
                "Incident ids are positive whole numbers, as the incidents table on the home page lists them.",
                nonce: nonce)
        }
        do {
            guard let detail = try await source.incident(id: id) else {
                return notFound(
                    "No incident #\(id)",
                    "No incident has this id. The home page lists the newest ones; `operator incidents list` lists all.",
                    nonce: nonce)
            }
            return html(pages.incident(detail, now: now(), nonce: nonce), nonce: nonce)
        } catch {
            return failure("incident #\(id)", error, nonce: nonce)
        }
    }

    func cluster(_ name: String) async -> Response {
        let nonce = ConsoleHeaders.nonce()
        do {
            guard let detail = try await source.cluster(name: name) else {
                return notFound(
                    "No cluster \"\(name)\"",
                    "No watched cluster has this name. The home page lists every cluster in the configuration's `clusters:`.",
                    nonce: nonce)
            }
            return html(pages.cluster(detail, now: now(), nonce: nonce), nonce: nonce)
        } catch {
            return failure("cluster \"\(name)\"", error, nonce: nonce)
        }
    }

    private func notFound(_ heading: String, _ message: String, nonce: String) -> Response {
        html(pages.message(heading: heading, message: message, now: now(), nonce: nonce), status: .notFound, nonce: nonce)
    }

    private func failure(_ what: String, _ error: any Error, nonce: String) -> Response {
        logger.error("console cannot read \(what)", metadata: ["error": "\(error)"])
        let page = pages.message(
            heading: "Cannot read \(what)", message: "\(error). The page will try again on its next refresh.", now: now(),
            nonce: nonce)
        return html(page, status: .internalServerError, nonce: nonce)
    }

    private func html(_ text: String, status: HTTPResponse.Status = .ok, nonce: String) -> Response {
        Response(
            status: status, headers: ConsoleHeaders.html(nonce: nonce),
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
