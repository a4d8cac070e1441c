import ArgumentParser
import Foundation
import OperatorCore

struct TicketsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tickets",
        abstract: "Read and resolve tickets in the ticket database.",
        subcommands: [List.self, Show.self, Resolve.self],
        defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tickets, oldest first.")

        @Option(help: ArgumentHelp("Only tickets in this status (created, diagnosed, resolved); repeatable.", valueName: "status"))
        var status: [TicketStatus] = []
        @Option(help: "Only tickets of this subject.") var subject: String?
        @Option(help: "Only tickets of this incident.") var incident: Int64?
        @Option(help: "At most this many tickets.") var limit: Int?
        @OptionGroup var cluster: ClusterFilterOption
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var config: ConfigOptions
        @Flag(help: "Print a JSON array of ticket objects.") var json = false

        func run() async throws {
            let store = try await database.openExisting(config: try config.load())
            let tickets = try await store.tickets(
                TicketFilter(
                    statuses: status.isEmpty ? nil : Set(status), subject: subject, incidentID: incident, limit: limit,
                    cluster: cluster.name))
            if json { return try Output.json(tickets) }
            if tickets.isEmpty {
                return Output.line("No tickets\(status.isEmpty ? "" : " with that status")\(cluster.phrase) in \(store.displayLocation).")
            }
            Output.line(TicketRendering.table(tickets))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one ticket with its timeline and diagnosis.")

        @Argument(help: "Ticket id.") var id: Int64
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var config: ConfigOptions
        @Flag(help: "Print the ticket as a JSON object.") var json = false

        func run() async throws {
            let store = try await database.openExisting(config: try config.load())
            guard let ticket = try await store.ticket(id: id) else {
                throw CLIFailure(NotFoundError(what: "ticket", id: id, path: store.displayLocation).description)
            }
            if json { return try Output.json(ticket) }
            Output.line(TicketRendering.detail(ticket, timeline: try await store.timeline(ticketID: id)))
        }
    }

    struct Resolve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Mark a ticket resolved by hand.",
            discussion: "If the violation is still there, the next monitor tick reopens the ticket.")

        @Argument(help: "Ticket id.") var id: Int64
        @Option(help: "Why it is resolved (kept in the timeline).") var note: String = "resolved by hand"
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var config: ConfigOptions

        func run() async throws {
            let store = try await database.openExisting(config: try config.load())
            do {
                let ticket = try await store.resolveTicket(id: id, at: Date(), note: note)
                Output.line("ticket #\(ticket.id) \(ticket.invariant) on \(ticket.entity): \(ticket.status.rawValue)")
            } catch let error as NotFoundError {
                throw CLIFailure(error.description)
            }
        }
    }
}

extension TicketStatus: ExpressibleByArgument {}
extension IncidentStatus: ExpressibleByArgument {}
