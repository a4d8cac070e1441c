import Foundation
import OperatorCore
import OperatorHarness

/// The demo's live timeline: one line per phase with the time since the demo started.
struct DemoPrinter: Sendable {
    let quiet: Bool
    let start = Date()

    func header(options: DemoCommand, backend: String?) {
        guard !quiet else { return }
        let cluster =
            backend == "simulator"
            ? "the embedded TiKV simulator (test and demo harness: 3 PD, \(options.stores) stores, \(Int(options.qps)) qps, time x\(Int(options.timeScale)))"
            : "a real local \(options.subject) cluster (\(backend ?? "default") backend)"
        Output.line("Operator demo: \(options.subject) on \(cluster)")
        Output.line("monitor every \(options.interval), \(options.diagnoser) diagnoser, temporary database")
        Output.line()
    }

    func phase(_ name: String, _ detail: String) {
        guard !quiet else { return }
        let offset = String(format: "%+7.1fs", Date().timeIntervalSince(start))
        Output.line("\(offset)  \(name.padding(toLength: 15, withPad: " ", startingAt: 0)) \(detail)")
    }

    static func summary(_ result: ChaosRunResult, keptDatabase: String?) {
        Output.line()
        if let diagnosis = result.ticket?.diagnosis ?? result.incident?.diagnosis {
            Output.line(DiagnosisRendering.render(diagnosis))
            Output.line()
        }
        if let incident = result.incident, incident.ticketIDs.count > 1 {
            Output.line("Incident #\(incident.id) groups \(incident.ticketIDs.count) tickets under root \(incident.rootInvariant) on \(incident.rootEntity).")
        }
        let detect = result.detectSeconds.map { String(format: "%.1f s", $0) } ?? "-"
        let diagnose = result.diagnoseSeconds.map { String(format: "%.2f s", $0) } ?? "-"
        Output.line("Latencies: fault → ticket \(detect); ticket → diagnosis \(diagnose).")
        if let keptDatabase {
            Output.line("Tickets kept in \(keptDatabase) (operator tickets list --db \(keptDatabase)).")
        }
    }
}
