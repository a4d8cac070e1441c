import Foundation
import OperatorCore

/// The OpenAPI 3.1 document served at `GET /api/v1/openapi.json`: every route of `APIRoutes.all`, its
/// parameters, bodies and responses (errors included), in the exact shapes the handlers encode.
/// Tests walk the router against it and schemathesis checks live answers against it.
public enum OpenAPIDocument {
    public static let json: Data = (try? JSONEncoder.operatorEncoder.encode(document)) ?? Data("{}".utf8)

    public static var document: JSONValue {
        [
            "openapi": "3.1.0",
            "info": [
                "title": "Operator API",
                "version": "1",
                "description": "Clusters, incidents and tickets of `operator serve`. Reads are open on loopback; POST routes need `Authorization: Bearer <token>` (OPERATOR_API_TOKEN or `api_token_file:`); listening beyond loopback needs it on every route but the probes (`/healthz`, `/readyz`), which a kubelet calls without one.",
            ],
            "paths": paths,
            "components": ["schemas": schemas, "responses": responses, "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer"]]],
        ]
    }

    // MARK: paths

    static var paths: JSONValue {
        [
            "/healthz": ["get": read("healthz", "The process is alive.", ok(ref("Status")))],
            "/readyz": [
                "get": read(
                    "readyz", "Ready once this replica has tried its leases and every cluster it watches has completed a tick; 503 says what it is waiting for.",
                    ok(ref("Status")), extra: ["503": errorResponse("Some cluster has not completed a tick yet.")]),
            ],
            "/metrics": [
                "get": read(
                    "metrics", "The operator's own metrics, Prometheus text exposition format.",
                    ["description": "Metrics.", "content": ["text/plain": ["schema": ["type": "string"]]]]),
            ],
            "/api/v1/openapi.json": ["get": read("openapi", "This document.", ok(["type": "object"]))],
            "/api/v1/clusters": ["get": read("listClusters", "Every served cluster with its last tick here and the replica watching it (`watched_by`, from the shared lease table).", ok(["type": "array", "items": ref("Cluster")]))],
            "/api/v1/incidents": [
                "get": read(
                    "listIncidents", "Incidents, newest first, a page at a time.", ok(ref("IncidentPage")),
                    parameters: [clusterParameter, statusParameter(["open", "diagnosed", "resolved"]), limitParameter, cursorParameter],
                    extra: ["400": ["$ref": "#/components/responses/BadRequest"]]),
            ],
            "/api/v1/incidents/{id}": [
                "get": read(
                    "getIncident", "One incident: member tickets, timeline, latest diagnosis, size of its diagnosis context.",
                    ok(ref("IncidentDetail")), parameters: [idParameter], extra: notFoundOrBad),
            ],
            "/api/v1/incidents/{id}/acknowledge": [
                "post": write(
                    "acknowledgeIncident", "Record who is on it (and a note) in the incident and its timeline.",
                    body: "AcknowledgeRequest", ok: ok(ref("Incident"))),
            ],
            "/api/v1/incidents/{id}/resolve": [
                "post": write(
                    "resolveIncident", "Resolve the incident and its open tickets by hand; a violation that persists reopens on the next tick.",
                    body: "ResolveRequest", bodyRequired: false, ok: ok(ref("Incident"))),
            ],
            "/api/v1/incidents/{id}/diagnose": [
                "post": write(
                    "diagnoseIncident", "Diagnose the incident again with the named diagnoser (`offline` always; others when configured) and return what was stored.",
                    body: "DiagnoseRequest", ok: ok(ref("DiagnosisAttempt")),
                    extra: ["409": errorResponse("That diagnoser is not configured on this server; `detail` lists the ones that are.")]),
            ],
            "/api/v1/tickets": [
                "get": read(
                    "listTickets", "Tickets, newest first, a page at a time.", ok(ref("TicketPage")),
                    parameters: [
                        clusterParameter, statusParameter(["created", "diagnosed", "resolved"]),
                        [
                            "name": "incident", "in": "query", "required": false, "description": "Only tickets of this incident.",
                            "schema": ["type": "integer", "format": "int64", "minimum": 1],
                        ],
                        limitParameter, cursorParameter,
                    ],
                    extra: ["400": ["$ref": "#/components/responses/BadRequest"]]),
            ],
            "/api/v1/tickets/{id}": [
                "get": read("getTicket", "One ticket and its timeline.", ok(ref("TicketDetail")), parameters: [idParameter], extra: notFoundOrBad),
            ],
            "/api/v1/alerts/alertmanager": ["post": alertmanagerIntake],
        ]
    }

    /// Alertmanager's `webhook_configs` target: each alert becomes a ticket `alert:<alertname>`.
    static var alertmanagerIntake: JSONValue {
        let operation = write(
            "receiveAlertmanagerAlerts",
            "Alertmanager's webhook (payload version \"4\"): each alert becomes a ticket `alert:<alertname>` on the entity the cluster's subject maps its labels to (else `cluster`), deduplicated by fingerprint; `resolved` resolves it, firing again reopens it. An alert about a node Operator already found at fault joins that incident. One delivery is one transaction.",
            body: "AlertmanagerWebhook", ok: ok(ref("AlertIntakeResult")),
            extra: [
                "404": errorResponse("No served cluster has that name; `detail` lists the ones served."),
                "409": errorResponse("This server takes no alerts for that cluster."),
            ])
        guard case .object(var fields) = operation else { return operation }
        fields["parameters"] = [
            [
                "name": "cluster", "in": "query", "required": false,
                "description": "The cluster the alerts are about; may be left out when the server watches one cluster.",
                "schema": ["type": "string"],
            ]
        ]
        return .object(fields)
    }

    static func read(
        _ id: String, _ summary: String, _ okResponse: JSONValue, parameters: [JSONValue] = [], extra: [String: JSONValue] = [:]
    ) -> JSONValue {
        var responses: [String: JSONValue] = ["200": okResponse, "401": ["$ref": "#/components/responses/Unauthorized"]]
        responses.merge(extra) { _, new in new }
        return [
            "operationId": .string(id), "summary": .string(summary), "parameters": .array(parameters),
            // Open on loopback; with the token when listening beyond it.
            "security": [[:], ["bearer": []]],
            "responses": .object(responses),
        ]
    }

    static func write(
        _ id: String, _ summary: String, body: String, bodyRequired: Bool = true, ok okResponse: JSONValue, extra: [String: JSONValue] = [:]
    ) -> JSONValue {
        var responses: [String: JSONValue] = [
            "200": okResponse,
            "400": ["$ref": "#/components/responses/BadRequest"],
            "401": ["$ref": "#/components/responses/Unauthorized"],
            "403": ["$ref": "#/components/responses/Forbidden"],
            "404": ["$ref": "#/components/responses/NotFound"],
            "413": ["$ref": "#/components/responses/TooLarge"],
            "415": ["$ref": "#/components/responses/UnsupportedMediaType"],
        ]
        responses.merge(extra) { _, new in new }
        return [
            "operationId": .string(id), "summary": .string(summary), "parameters": [idParameter],
            "security": [["bearer": []]],
            "requestBody": [
                "required": .bool(bodyRequired),
                "content": ["application/json": ["schema": ref(body)]],
            ],
            "responses": .object(responses),
        ]
    }

    static let notFoundOrBad: [String: JSONValue] = [
        "400": ["$ref": "#/components/responses/BadRequest"], "404": ["$ref": "#/components/responses/NotFound"],
    ]

    static func ok(_ schema: JSONValue) -> JSONValue {
        ["description": "OK.", "content": ["application/json": ["schema": schema]]]
    }

    static func ref(_ name: String) -> JSONValue { ["$ref": .string("#/components/schemas/\(name)")] }

    static func errorResponse(_ description: String) -> JSONValue {
        ["description": .string(description), "content": ["application/json": ["schema": ref("Error")]]]
    }

    static let idParameter: JSONValue = [
        "name": "id", "in": "path", "required": true, "schema": ["type": "integer", "format": "int64", "minimum": 1],
    ]
    static let clusterParameter: JSONValue = [
        "name": "cluster", "in": "query", "required": false, "description": "Only this cluster's rows.",
        "schema": ["type": "string", "pattern": "^[a-z0-9-]{1,63}$"],
    ]
    static func statusParameter(_ values: [JSONValue]) -> JSONValue {
        [
            "name": "status", "in": "query", "required": false, "description": "Only rows in this status; repeatable.",
            "schema": ["type": "array", "items": ["type": "string", "enum": .array(values)]], "style": "form", "explode": true,
        ]
    }
    static let limitParameter: JSONValue = [
        "name": "limit", "in": "query", "required": false, "description": "Rows per page (default 50).",
        "schema": ["type": "integer", "minimum": 1, "maximum": 500],
    ]
    static let cursorParameter: JSONValue = [
        "name": "cursor", "in": "query", "required": false, "description": "`next_cursor` of the previous page; absent for the first page.",
        "schema": ["type": "string", "pattern": .string(PageQuery.cursorPattern)],
    ]

    static var responses: JSONValue {
        [
            "BadRequest": errorResponse("A parameter or the body is not valid; `error` names it."),
            "Unauthorized": errorResponse("The bearer token is missing or wrong."),
            "Forbidden": errorResponse("No API token is configured, so writes are disabled; `detail` says how to configure one."),
            "NotFound": errorResponse("No such incident or ticket."),
            "TooLarge": errorResponse("The body is over 1 MiB."),
            "UnsupportedMediaType": errorResponse("The body is not `application/json`."),
        ]
    }

    // MARK: schemas

    static func object(_ properties: [String: JSONValue], required: [String]? = nil) -> JSONValue {
        [
            "type": "object", "additionalProperties": false, "properties": .object(properties),
            "required": .array((required ?? properties.keys.sorted()).map { .string($0) }),
        ]
    }

    static func nullable(_ type: String, format: String? = nil) -> JSONValue {
        var schema: [String: JSONValue] = ["type": [.string(type), "null"]]
        if let format { schema["format"] = .string(format) }
        return .object(schema)
    }

    static func nullableRef(_ name: String) -> JSONValue { ["oneOf": [ref(name), ["type": "null"]]] }
    static func array(_ items: JSONValue) -> JSONValue { ["type": "array", "items": items] }

    static let string: JSONValue = ["type": "string"]
    static let integer: JSONValue = ["type": "integer"]
    static let number: JSONValue = ["type": "number"]
    static let dateTime: JSONValue = ["type": "string", "format": "date-time"]
    static let strings: JSONValue = ["type": "array", "items": ["type": "string"]]
    static let nullableStringMap: JSONValue = ["type": ["object", "null"], "additionalProperties": ["type": "string"]]

    static var schemas: JSONValue {
        [
            "Error": object(["error": string, "detail": string]),
            "Status": object(["status": string, "clusters": strings, "replica": nullable("string"), "watching": strings]),
            "Watcher": object(["replica": string, "expires_at": dateTime]),
            "Severity": ["type": "string", "enum": ["info", "warning", "critical"]],
            "Cluster": object([
                "name": string, "subject": string,
                "state": ["type": "string", "enum": .array(ClusterView.State.allCases.map { .string($0.rawValue) })],
                "last_tick_at": nullable("string", format: "date-time"), "last_tick_duration_ms": nullable("integer"),
                "ticks": integer, "evaluated": strings, "skipped": ["type": "object", "additionalProperties": string],
                "violations": integer, "error": nullable("string"), "degraded": nullable("string"), "open_incidents": integer,
                "watched_by": nullableRef("Watcher"),
            ]),
            "Incident": object([
                "id": integer, "cluster": string, "subject": string, "acknowledged_by": nullable("string"),
                "acknowledged_at": nullable("string", format: "date-time"), "root_entity": string, "root_invariant": string,
                "status": ["type": "string", "enum": ["open", "diagnosed", "resolved"]],
                "severity": ref("Severity"), "title": string, "opened_at": dateTime, "updated_at": dateTime,
                "resolved_at": nullable("string", format: "date-time"), "ticket_ids": array(integer),
                "diagnosis": nullableRef("Diagnosis"), "diagnosis_error": nullable("string"), "diagnosis_attempts": integer,
                "reopen_count": integer, "merged_into": nullable("integer"), "flapping": ["type": "boolean"],
                "flapping_since": nullable("string", format: "date-time"), "flap_count": integer,
            ]),
            "Ticket": object([
                "id": integer, "cluster": string, "subject": string, "invariant": string, "entity": string, "severity": ref("Severity"),
                "status": ["type": "string", "enum": ["created", "diagnosed", "resolved"]],
                "message": string, "first_seen": dateTime, "last_seen": dateTime, "occurrences": integer,
                "resolved_at": nullable("string", format: "date-time"), "diagnosis": nullableRef("Diagnosis"),
                "snapshot_excerpt": [:], "incident_id": nullable("integer"), "diagnosis_error": nullable("string"),
                "reopen_count": integer, "flap_count": integer,
            ]),
            "TimelineEvent": object(
                [
                    "at": dateTime, "kind": ["type": "string", "enum": .array(TimelineKinds.all.map { .string($0) })],
                    "ticket_id": integer, "incident_id": integer, "detail": string,
                ], required: ["at", "kind", "detail"]),
            "Diagnosis": object(
                [
                    "summary": string, "observation": string,
                    "root_cause": object(["category": string, "entity": string, "explanation": string]),
                    "confidence": number,
                    "evidence": array(
                        object(
                            ["id": string, "signal": string, "query_or_source": string, "value": string, "expected": string, "note": string],
                            required: ["signal", "query_or_source", "value"])),
                    "alternatives": array(
                        object(["hypothesis": string, "rejected_because": string, "claims": array(ref("Claim"))])),
                    "recommended_actions": array(object(["action": string, "rationale": string, "risk": string])),
                    "claims": array(ref("Claim")),
                    "unsupported_claims": array(object(["claim": string, "problem": string])),
                    "diagnoser": string, "model": string, "duration_ms": integer, "input_tokens": integer, "output_tokens": integer,
                ],
                required: [
                    "summary", "observation", "root_cause", "confidence", "evidence", "alternatives", "recommended_actions", "claims",
                    "unsupported_claims", "diagnoser", "duration_ms",
                ]),
            "Claim": object(
                [
                    "text": string, "evidence": strings,
                    "facts": array(
                        object(
                            ["evidence": string, "equals": [:], "at_least": number, "at_most": number, "aggregate": string],
                            required: ["evidence"])),
                ]),
            "IncidentPage": object(["items": array(ref("Incident")), "next_cursor": nullable("string")]),
            "TicketPage": object(["items": array(ref("Ticket")), "next_cursor": nullable("string")]),
            "IncidentDetail": object([
                "incident": ref("Incident"), "tickets": array(ref("Ticket")), "timeline": array(ref("TimelineEvent")),
                "diagnosis": nullableRef("Diagnosis"),
                "context_size": ["oneOf": [object(["bytes": integer, "estimated_tokens": integer]), ["type": "null"]]],
            ]),
            "TicketDetail": object(["ticket": ref("Ticket"), "timeline": array(ref("TimelineEvent"))]),
            "DiagnosisAttempt": object([
                "incident_id": integer, "diagnoser": string, "diagnosis": nullableRef("Diagnosis"), "error": nullable("string"),
            ]),
            "AcknowledgeRequest": object(["by": ["type": "string", "pattern": "[A-Za-z0-9]"], "note": nullable("string")], required: ["by"]),
            "ResolveRequest": object(["note": nullable("string")], required: []),
            "AlertmanagerWebhook": [
                "type": "object", "required": ["version", "alerts"],
                "properties": [
                    "version": ["type": "string", "const": "4"], "receiver": nullable("string"), "status": nullable("string"),
                    "externalURL": nullable("string"), "groupKey": nullable("string"),
                    "truncatedAlerts": ["type": ["integer", "null"], "minimum": 0], "groupLabels": nullableStringMap,
                    "commonLabels": nullableStringMap, "commonAnnotations": nullableStringMap, "alerts": array(ref("AlertmanagerAlert")),
                ],
            ],
            "AlertmanagerAlert": [
                "type": "object", "required": ["status", "labels", "fingerprint"],
                "properties": [
                    "status": ["type": "string", "enum": ["firing", "resolved"]],
                    "labels": [
                        "type": "object", "required": ["alertname"], "additionalProperties": string,
                        "properties": [
                            "alertname": [
                                "type": "string", "minLength": 1, "maxLength": .number(Double(AlertmanagerPayload.maxAlertname)),
                                "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]+$",
                            ]
                        ],
                    ],
                    "annotations": nullableStringMap, "startsAt": nullable("string", format: "date-time"),
                    "endsAt": nullable("string", format: "date-time"), "generatorURL": nullable("string"),
                    "fingerprint": [
                        "type": "string", "minLength": 1, "maxLength": .number(Double(AlertmanagerPayload.maxFingerprint)),
                        "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]+$",
                    ],
                ],
            ],
            "AlertIntakeResult": object([
                "cluster": string, "received": integer, "opened": array(integer), "updated": array(integer), "reopened": array(integer),
                "resolved": array(integer), "incidents": array(integer), "ignored": strings,
            ]),
            "DiagnoseRequest": object(["diagnoser": ["type": "string", "pattern": .string(APIRoutes.diagnoserPattern)]], required: ["diagnoser"]),
        ]
    }
}

/// Every `TimelineEvent.Kind` spelling, for the document's enum.
enum TimelineKinds {
    static let all: [String] = [
        TimelineEvent.Kind.opened, .reopened, .joined, .merged, .diagnosed, .diagnosisFailed, .resolved, .manuallyResolved,
        .diagnosisSkipped, .flapping, .acknowledged,
    ].map(\.rawValue)
}
