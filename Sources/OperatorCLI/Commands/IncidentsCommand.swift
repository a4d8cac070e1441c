import ArgumentParser
import Foundation
import OperatorCore

struct IncidentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "incidents",
        abstract: "Read incidents: tickets grouped under one root cause.",
        subcommands: [List.self, Show.self],
        defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List incidents, oldest first.")

        @Option(help: ArgumentHelp("Only incidents in this status (open, diagnosed, resolved); repeatable.", valueName: "status"))
        var status: [IncidentStatus] = []
        @Option(help: "Only incidents of this subject.") var subject: String?
        @Flag(help: "Include incidents merged into another one.") var includeMerged = false
        @OptionGroup var cluster: ClusterFilterOption
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var config: ConfigOptions
        @Flag(help: "Print a JSON array of incident objects.") var json = false

        func run() async throws {
            let store = try await database.openExisting(config: try config.load())
            let incidents = try await store.incidents(
                IncidentFilter(
                    statuses: status.isEmpty ? nil : Set(status), subject: subject, includeMerged: includeMerged, cluster: cluster.name))
            if json { return try Output.json(incidents) }
            if incidents.isEmpty { return Output.line("No incidents\(cluster.phrase) in \(store.displayLocation).") }
            // The cluster column appears once a database holds more than the single-cluster `default`.
            let clusters = incidents.contains { $0.cluster != ClusterName.default }
            var table = TextTable("ID", "STATUS", "SEVERITY", "SUBJECT", "ROOT", "TICKETS", "OPENED", "CAUSE", "TITLE")
            if clusters { table.headers.insert("CLUSTER", at: 1) }
            for i in incidents {
                table.add(
                    ["\(i.id)"] + (clusters ? [i.cluster] : []) + [
                        i.status.rawValue + (i.mergedInto.map { " →#\($0)" } ?? "") + (i.isFlapping ? ", flapping ×\(i.flapCount)" : ""),
                        i.severity.rawValue, i.subject,
                    "\(i.rootInvariant) on \(i.rootEntity)", "\(i.ticketIDs.count)", Timestamp.format(i.openedAt),
                    i.diagnosis.map { "\($0.rootCause.category) on \($0.rootCause.entity)" } ?? (i.diagnosisError != nil ? "failed" : "-"),
                    i.title,
                ])
            }
            Output.line(table.render())
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one incident: root, member tickets, timeline, diagnosis.")

        @Argument(help: "Incident id.") var id: Int64
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var config: ConfigOptions
        @Flag(help: "Print the incident, its tickets and timeline as one JSON object.") var json = false

        struct Detail: Encodable {
            var incident: Incident
            var tickets: [Ticket]
            var timeline: [TimelineEvent]
        }

        func run() async throws {
            let store = try await database.openExisting(config: try config.load())
            guard let incident = try await store.incident(id: id) else {
                throw CLIFailure(NotFoundError(what: "incident", id: id, path: store.displayLocation).description)
            }
            let tickets = try await store.tickets(TicketFilter(incidentID: id))
            let timeline = try await store.timeline(incidentID: id)
            if json { return try Output.json(Detail(incident: incident, tickets: tickets, timeline: timeline)) }
            Output.line("Incident #\(incident.id): \(incident.title)")
            Output.line("  cluster   \(incident.cluster)")
            Output.line("  root      \(incident.rootInvariant) on \(incident.rootEntity)")
            Output.line("  status    \(incident.status.rawValue)\(incident.mergedInto.map { " (merged into #\($0))" } ?? "")")
            Output.line("  severity  \(incident.severity.rawValue)")
            Output.line("  opened    \(Timestamp.format(incident.openedAt))")
            Output.line("  resolved  \(incident.resolvedAt.map(Timestamp.format) ?? "-")")
            if let by = incident.acknowledgedBy {
                Output.line("  acknowledged by \(by)\(incident.acknowledgedAt.map { " at " + Timestamp.format($0) } ?? "")")
            }
            if incident.reopenCount > 0 { Output.line("  reopened  \(incident.reopenCount) time(s)") }
            if let since = incident.flappingSince {
                Output.line(
                    "  flapping  since \(Timestamp.format(since)), \(incident.flapCount) recurrences; tickets held open until the fault is quiet for the settle period")
            } else if incident.flapCount > 0 {
                Output.line("  flapped   \(incident.flapCount) recurrences, then settled")
            }
            if let error = incident.diagnosisError { Output.line("  diagnosis failed (\(incident.diagnosisAttempts)x): \(error)") }
            Output.line()
            Output.line(TicketRendering.table(tickets))
            Output.line()
            Output.line(TicketRendering.timelineText(timeline))
            Output.line()
            if let d = incident.diagnosis {
                Output.line(DiagnosisRendering.render(d))
            } else {
                Output.line("Not diagnosed yet (operator diagnose --incident \(incident.id)).")
            }
        }
    }
}
