/// `/incidents/{id}`: the diagnosis as `operator incidents show` prints it, the timeline, the member tickets,
/// and the acknowledge / resolve / re-diagnose buttons.
enum IncidentTemplate {
    static let name = "incident"
    static let text = """
        {{<layout}}
        {{$title}}Incident #{{id}}{{/title}}
        {{$crumb}}<a href="{{clusterPath}}">{{cluster}}</a> / incident #{{id}}{{/crumb}}
        {{$main}}
        <h1 id="incident" data-incident="{{id}}">Incident #{{id}}: {{title}}</h1>
        <p class="meta"><span class="badge status-{{status}}">{{status}}</span> <span class="badge sev-{{severity}}">{{severity}}</span>
        <span class="item">cluster <a href="{{clusterPath}}">{{cluster}}</a></span><span class="item">subject {{subject}}</span>
        <span class="item">root <code>{{rootInvariant}}</code> on <code>{{rootEntity}}</code></span>
        <span class="item">opened {{openedAt}}</span><span class="item">updated {{updatedAt}}</span>{{#resolvedAt}}<span class="item">resolved {{.}}</span>{{/resolvedAt}}
        {{#acknowledged}}<span class="item acknowledged">acknowledged {{.}}</span>{{/acknowledged}}
        {{#flapping}}<span class="item">flapping since {{.}}</span>{{/flapping}}{{#mergedInto}}<span class="item">merged into <a href="/incidents/{{.}}">#{{.}}</a></span>{{/mergedInto}}</p>
        <div class="actions">
        <button type="button" data-action="acknowledge" data-incident="{{id}}">Acknowledge</button>
        <button type="button" data-action="resolve" data-incident="{{id}}">Resolve</button>
        <button type="button" data-action="diagnose" data-incident="{{id}}">Re-diagnose (offline)</button>
        <span id="action-result" role="status"></span>
        </div>
        {{#diagnosis}}
        <section class="card diagnosis">
        <h2>Diagnosis</h2>
        <p class="lead summary">{{summary}}</p>
        <p class="rootcause">Root cause: <strong class="category">{{category}}</strong> on <code class="entity">{{entity}}</code>
        (confidence <span class="confidence">{{confidence}}</span>)</p>
        <p>{{explanation}}</p>
        {{#hasClaims}}<h3>Claims</h3><ul class="claims">{{#claims}}<li>{{text}} <span class="cites">[{{cites}}]</span></li>{{/claims}}</ul>{{/hasClaims}}
        {{#hasUnsupportedClaims}}<h3>Unsupported claims</h3><p class="meta">The context does not back them; confidence was lowered 15 points each.</p>
        <ul class="claims unsupported">{{#unsupportedClaims}}<li>“{{claim}}”: {{problem}}</li>{{/unsupportedClaims}}</ul>{{/hasUnsupportedClaims}}
        <p><strong>Observation:</strong> {{observation}}</p>
        </section>
        <h2>Evidence</h2>
        <table class="evidence" id="evidence">
        <thead><tr><th>ID</th><th>Signal</th><th>Value</th><th>Expected</th><th>Source</th><th>Note</th></tr></thead>
        <tbody>
        {{#evidence}}<tr><td class="code">{{id}}</td><td>{{signal}}</td><td class="code">{{value}}</td><td class="code">{{expected}}</td><td class="code">{{source}}</td><td>{{note}}</td></tr>
        {{/evidence}}
        {{^evidence}}<tr><td colspan="6" class="empty">The diagnosis cites no evidence.</td></tr>{{/evidence}}
        </tbody>
        </table>
        <h2>Alternatives considered</h2>
        <table class="alternatives">
        <thead><tr><th>Hypothesis</th><th>Rejected because</th><th>Evidence that rejects it</th></tr></thead>
        <tbody>
        {{#alternatives}}<tr><td>{{hypothesis}}</td><td>{{rejectedBecause}}</td>
        <td>{{#claims}}<div>{{text}} <span class="cites">[{{cites}}]</span></div>{{/claims}}{{^claims}}<span class="cites">no evidence cited</span>{{/claims}}</td></tr>
        {{/alternatives}}
        {{^alternatives}}<tr><td colspan="3" class="empty">None recorded.</td></tr>{{/alternatives}}
        </tbody>
        </table>
        <h2>Recommended actions <span class="observe-only">observe-only: nothing was executed</span></h2>
        <table class="recommended">
        <thead><tr><th>#</th><th>Action</th><th>Risk</th><th>Why</th></tr></thead>
        <tbody>
        {{#recommendedActions}}<tr><td class="num">{{number}}</td><td>{{action}}</td><td><span class="badge sev-{{riskClass}}">{{risk}}</span></td><td>{{rationale}}</td></tr>
        {{/recommendedActions}}
        {{^recommendedActions}}<tr><td colspan="4" class="empty">None.</td></tr>{{/recommendedActions}}
        </tbody>
        </table>
        <p class="meta">{{diagnosedBy}}</p>
        {{/diagnosis}}
        {{^diagnosis}}
        <section class="card"><h2>Diagnosis</h2><p class="lead">Not diagnosed yet.</p>
        {{#diagnosisError}}<p class="unsupported">The last attempt failed: {{.}}</p>{{/diagnosisError}}</section>
        {{/diagnosis}}
        <h2>Timeline</h2>
        {{#olderEvents}}<p class="meta older-events">{{.}} older event(s) not shown: <code>operator incidents show</code> lists them all.</p>{{/olderEvents}}
        <table class="timeline">
        <thead><tr><th>At</th><th>Event</th><th>Ticket</th><th>Detail</th></tr></thead>
        <tbody>
        {{#timeline}}<tr><td>{{at}}</td><td>{{kind}}</td><td>{{#ticketID}}#{{.}}{{/ticketID}}</td><td>{{detail}}</td></tr>
        {{/timeline}}
        {{^timeline}}<tr><td colspan="4" class="empty">Empty.</td></tr>{{/timeline}}
        </tbody>
        </table>
        <h2>Member tickets</h2>
        {{>ticket-rows}}
        {{/main}}
        {{/layout}}
        """
}

/// A table of tickets, shared by the incident and cluster pages.
enum TicketRowsTemplate {
    static let name = "ticket-rows"
    static let text = """
        <table class="tickets">
        <thead><tr><th>#</th><th>Status</th><th>Severity</th><th>Invariant</th><th>Entity</th><th>Seen</th><th>Last seen</th><th>Incident</th><th>Message</th></tr></thead>
        <tbody>
        {{#tickets}}<tr class="ticket" data-ticket="{{id}}"><td class="num">{{id}}</td><td><span class="badge status-{{status}}">{{status}}</span></td>
        <td><span class="badge sev-{{severity}}">{{severity}}</span></td><td><code>{{invariant}}</code></td><td class="entity"><code>{{entity}}</code></td>
        <td class="num">{{occurrences}}×</td><td>{{lastSeen}}</td><td>{{#incidentID}}<a href="/incidents/{{.}}">#{{.}}</a>{{/incidentID}}</td><td>{{message}}</td></tr>
        {{/tickets}}
        {{^tickets}}<tr><td colspan="9" class="empty">No ticket.</td></tr>{{/tickets}}
        </tbody>
        </table>
        """
}
