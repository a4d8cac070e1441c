/// `/`: every cluster as a row, then the newest incidents.
enum HomeTemplate {
    static let name = "home"
    static let text = """
        {{<layout}}
        {{$title}}Clusters{{/title}}
        {{$main}}
        <h1>Clusters</h1>
        <table class="clusters">
        <thead><tr><th>Cluster</th><th>Subject</th><th>State</th><th>Open incidents</th><th>Last tick</th><th>Tick took</th><th>Watched by</th><th>Why</th></tr></thead>
        <tbody>
        {{#clusters}}
        <tr class="cluster" data-cluster="{{name}}"><td><a href="{{path}}">{{name}}</a></td><td>{{subject}}</td>
        <td><span class="badge state-{{state}}">{{state}}</span></td><td class="num">{{openIncidents}}</td>
        <td>{{lastTickAge}}</td><td class="num">{{lastTickDuration}}</td><td class="replica">{{watchedBy}}</td><td>{{note}}</td></tr>
        {{/clusters}}
        {{^clusters}}<tr><td colspan="8" class="empty">No cluster is configured.</td></tr>{{/clusters}}
        </tbody>
        </table>
        <h2>Newest incidents</h2>
        {{>incident-rows}}
        {{/main}}
        {{/layout}}
        """
}

/// A table of incidents, shared by the home page.
enum IncidentRowsTemplate {
    static let name = "incident-rows"
    static let text = """
        <table class="incidents">
        <thead><tr><th>#</th><th>Cluster</th><th>Status</th><th>Severity</th><th>Incident</th><th>Root</th><th>Diagnosis</th><th>Opened</th><th>Updated</th></tr></thead>
        <tbody>
        {{#incidents}}
        <tr class="incident" data-incident="{{id}}"><td class="num"><a href="{{path}}">{{id}}</a></td><td>{{cluster}}</td>
        <td><span class="badge status-{{status}}">{{status}}</span>{{#acknowledgedBy}}<div class="meta acknowledged">ack by {{.}}</div>{{/acknowledgedBy}}</td>
        <td><span class="badge sev-{{severity}}">{{severity}}</span></td>
        <td><a href="{{path}}">{{title}}</a></td><td class="root"><code>{{rootInvariant}}</code> on <code>{{rootEntity}}</code></td>
        <td>{{diagnosisHeadline}}</td><td>{{openedAt}}</td><td>{{updatedAt}}</td></tr>
        {{/incidents}}
        {{^incidents}}<tr><td colspan="9" class="empty">No incident yet.</td></tr>{{/incidents}}
        </tbody>
        </table>
        """
}
