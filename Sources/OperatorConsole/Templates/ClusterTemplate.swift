/// `/clusters/{name}`: the latest tick's verdict on every invariant, and the cluster's open tickets.
enum ClusterTemplate {
    static let name = "cluster"
    static let text = """
        {{<layout}}
        {{$title}}Cluster {{name}}{{/title}}
        {{$crumb}}cluster {{name}}{{/crumb}}
        {{$main}}
        <h1 id="cluster" data-cluster="{{name}}">Cluster {{name}} <span class="badge state-{{state}}">{{state}}</span></h1>
        <p class="meta"><span class="item">subject {{subject}}</span><span class="item">{{openIncidents}} open incident(s)</span>
        {{#tick}}<span class="item">tick {{.}}</span>{{/tick}}<span class="item">last tick {{lastTickAge}}</span>{{#lastTickDuration}}<span class="item">took {{.}}</span>{{/lastTickDuration}}</p>
        {{#note}}<p class="lead">{{.}}</p>{{/note}}
        <h2>Invariants on the latest tick</h2>
        <table class="verdicts" id="verdicts">
        <thead><tr><th>Invariant</th><th>Verdict</th><th>Why</th></tr></thead>
        <tbody>
        {{#verdicts}}<tr class="verdict" data-invariant="{{invariant}}"><td><code>{{invariant}}</code></td>
        <td><span class="badge verdict-{{verdict}}">{{verdict}}</span></td><td>{{reason}}</td></tr>
        {{/verdicts}}
        {{^verdicts}}<tr><td colspan="3" class="empty">No tick has completed yet: nothing is known about this cluster.</td></tr>{{/verdicts}}
        </tbody>
        </table>
        <h2>Open tickets</h2>
        {{>ticket-rows}}
        {{/main}}
        {{/layout}}
        """
}
