import Foundation
import Hummingbird
import Testing

@testable import PrometheusClient

/// A fake Prometheus over real HTTP, answering with the shapes Prometheus 2.42 produced on this machine
/// (etcd-prometheus-observed.md §B).
private func fakePrometheus() -> Router<BasicRequestContext> {
    let router = Router()
    router.get("/api/v1/query") { request, _ -> CannedResponse in
        let query = request.uri.queryParameters["query"].map(String.init) ?? ""
        switch query {
        case "up":
            return CannedResponse(
                body: #"""
                    {"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"up","instance":"127.0.0.1:22379","job":"etcd"},"value":[1795417505.688,"1"]},{"metric":{"__name__":"up","instance":"127.0.0.1:32379","job":"etcd"},"value":[1795417505.688,"0"]}]}}
                    """#)
        case "nonfinite":
            return CannedResponse(
                body: #"""
                    {"status":"success","data":{"resultType":"vector","result":[{"metric":{"k":"nan"},"value":[1795417505.688,"NaN"]},{"metric":{"k":"pinf"},"value":[1795417505.688,"+Inf"]},{"metric":{"k":"ninf"},"value":[1795417505.688,"-Inf"]}]}}
                    """#)
        case "scalar(1)":
            return CannedResponse(body: #"{"status":"success","data":{"resultType":"scalar","result":[1795417505.688,"1"]}}"#)
        case #""hello""#:
            return CannedResponse(
                body: #"{"status":"success","data":{"resultType":"string","result":[1795417505.688,"hello"]}}"#)
        case "no_such_metric":
            return CannedResponse(body: #"{"status":"success","data":{"resultType":"vector","result":[]}}"#)
        case "up{":
            return CannedResponse(
                status: .badRequest,
                body: #"""
                    {"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:4: parse error: unexpected end of input inside braces"}
                    """#)
        case "too_many_samples":
            return CannedResponse(
                status: .unprocessableContent,
                body: #"{"status":"error","errorType":"execution","error":"query processing would load too many samples into memory in query execution"}"#
            )
        case "overloaded":
            return CannedResponse(
                status: .serviceUnavailable,
                body: #"{"status":"error","errorType":"unavailable","error":"too many concurrent queries"}"#)
        case "behind_proxy":
            return CannedResponse(
                status: .badGateway, contentType: "text/html",
                body: "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>")
        case "empty":
            return CannedResponse(body: "")
        case "garbage":
            return CannedResponse(contentType: "text/plain", body: "this is not json")
        case "wrong_shape":
            return CannedResponse(
                body: #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1795417505.688,1]}]}}"#)
        case "bad_number":
            return CannedResponse(
                body: #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1795417505.688,"lots"]}]}}"#)
        default:
            // Echo what arrived, so tests can check the query survived URL encoding.
            let escaped = query.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            let time = request.uri.queryParameters["time"].map(String.init) ?? ""
            return CannedResponse(
                body: #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"echo":""#
                    + escaped + #"","time":""# + time + #""},"value":[1795417505.688,"1"]}]}}"#)
        }
    }
    router.get("/api/v1/query_range") { request, _ -> CannedResponse in
        let p = request.uri.queryParameters
        guard p["start"] == "1795417513.000", p["end"] == "1795417517.000", p["step"] == "1.000" else {
            return CannedResponse(
                status: .badRequest,
                body: #"{"status":"error","errorType":"bad_data","error":"unexpected range parameters"}"#)
        }
        return CannedResponse(
            body: #"""
                {"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"up","instance":"127.0.0.1:32379","job":"etcd"},"values":[[1795417513,"1"],[1795417514,"1"],[1795417515,"1"],[1795417516,"0"],[1795417517,"NaN"]]}]}}
                """#)
    }
    router.get("/api/v1/targets") { _, _ -> CannedResponse in
        CannedResponse(
            body: #"""
                {"status":"success","data":{"activeTargets":[{"discoveredLabels":{"__address__":"127.0.0.1:22379","__metrics_path__":"/metrics","__scheme__":"http","__scrape_interval__":"1s","__scrape_timeout__":"900ms","job":"etcd"},"labels":{"instance":"127.0.0.1:22379","job":"etcd"},"scrapePool":"etcd","scrapeUrl":"http://127.0.0.1:22379/metrics","globalUrl":"http://vm:22379/metrics","lastError":"","lastScrape":"2026-11-23T07:05:05.156147772Z","lastScrapeDuration":0.009987568,"health":"up","scrapeInterval":"1s","scrapeTimeout":"900ms"},{"discoveredLabels":{"__address__":"127.0.0.1:32379","job":"etcd"},"labels":{"instance":"127.0.0.1:32379","job":"etcd"},"scrapePool":"etcd","scrapeUrl":"http://127.0.0.1:32379/metrics","globalUrl":"http://vm:32379/metrics","lastError":"Get \"http://127.0.0.1:32379/metrics\": dial tcp 127.0.0.1:32379: connect: connection refused","lastScrape":"2026-11-23T07:05:16.1Z","lastScrapeDuration":0.0005,"health":"down","scrapeInterval":"1s","scrapeTimeout":"900ms"}],"droppedTargets":[]}}
                """#)
    }
    return router
}

@Suite("Prometheus HTTP API client against a fake server speaking the real API")
struct PrometheusAPITests {
    @Test("vector results: labels and string values, including NaN and ±Inf")
    func vectors() async throws {
        try await withLocalHTTPServer(fakePrometheus()) { url in
            let api = PrometheusAPI(baseURL: url + "/")
            let up = try await api.queryVector("up")
            #expect(up.count == 2)
            #expect(up[0].metric == ["__name__": "up", "instance": "127.0.0.1:22379", "job": "etcd"])
            #expect(up[0].value == 1)
            #expect(up[1].value == 0)
            #expect(abs(up[0].point.time.timeIntervalSince1970 - 1_795_417_505.688) < 1e-6)

            let odd = try await api.queryVector("nonfinite")
            let byKind = Dictionary(uniqueKeysWithValues: odd.map { ($0.metric["k"] ?? "", $0.value) })
            #expect(byKind["nan"]?.isNaN == true)
            #expect(byKind["pinf"] == .infinity)
            #expect(byKind["ninf"] == -.infinity)

            #expect(try await api.queryVector("no_such_metric").isEmpty)
        }
    }

    @Test("scalar and string results, and asking for a vector when the result is not one")
    func scalarAndString() async throws {
        try await withLocalHTTPServer(fakePrometheus()) { url in
            let api = PrometheusAPI(baseURL: url)
            let scalar = try await api.query("scalar(1)")
            #expect(scalar == .scalar(PrometheusSamplePoint(time: Date(timeIntervalSince1970: 1_795_417_505.688), value: 1)))
            let string = try await api.query(#""hello""#)
            guard case .string(_, let text) = string else {
                Issue.record("expected a string result, got \(string)")
                return
            }
            #expect(text == "hello")
            let error = await #expect(throws: PrometheusAPIError.self) { try await api.queryVector("scalar(1)") }
            #expect(error?.kind == .unexpectedResultType(expected: "vector", got: "scalar"))
        }
    }

    @Test("range queries decode matrices with NaN points")
    func range() async throws {
        try await withLocalHTTPServer(fakePrometheus()) { url in
            let api = PrometheusAPI(baseURL: url)
            let series = try await api.queryRange(
                #"up{instance="127.0.0.1:32379"}"#, start: Date(timeIntervalSince1970: 1_795_417_513),
                end: Date(timeIntervalSince1970: 1_795_417_517), step: .seconds(1))
            #expect(series.count == 1)
            #expect(series[0].metric["instance"] == "127.0.0.1:32379")
            #expect(series[0].points.map(\.value).prefix(4) == [1, 1, 1, 0])
            #expect(series[0].points.last?.value.isNaN == true)
            #expect(series[0].points.first?.time == Date(timeIntervalSince1970: 1_795_417_513))
        }
    }

    @Test("PromQL with +, quotes, braces and regex survives URL encoding")
    func encoding() async throws {
        try await withLocalHTTPServer(fakePrometheus()) { url in
            let api = PrometheusAPI(baseURL: url)
            let promql = #"sum(rate(x{name=~"(raftstore|rs)_.*",le="+Inf"}[1m])) by (instance) + 1 & 2 # %20"#
            let echo = try await api.queryVector(promql, at: Date(timeIntervalSince1970: 1_795_417_505.5))
            #expect(echo.first?.metric["echo"] == promql)
            #expect(echo.first?.metric["time"] == "1795417505.500")
        }
    }

    @Test("error bodies become typed errors naming the server and the query")
    func apiErrors() async throws {
        try await withLocalHTTPServer(fakePrometheus()) { url in
            let api = PrometheusAPI(baseURL: url)
            let bad = await #expect(throws: PrometheusAPIError.self) { try await api.query("up{") }
            #expect(bad?.httpStatus == 400)
            #expect(
                bad?.kind
                    == .api(
                        errorType: "bad_data",
                        message: #"invalid parameter "query": 1:4: parse error: unexpected end of input inside braces"#))
            #expect(bad?.description.contains(url) == true)
            #expect(bad?.description.contains("`up{`") == true)

            let execution = await #expect(throws: PrometheusAPIError.self) { try await api.query("too_many_samples") }
            #expect(execution?.httpStatus == 422)
            if case .api(let type, _)? = execution?.kind { #expect(type == "execution") } else { Issue.record("not an API error") }

            let unavailable = await #expect(throws: PrometheusAPIError.self) { try await api.query("overloaded") }
            #expect(unavailable?.httpStatus == 503)
            #expect(unavailable?.kind == .api(errorType: "unavailable", message: "too many concurrent queries"))
        }
    }

    @Test("HTML, empty, non-JSON and wrongly shaped bodies give clear errors")
    func malformedBodies() async throws {
        try await withLocalHTTPServer(fakePrometheus()) { url in
            let api = PrometheusAPI(baseURL: url)
            let html = await #expect(throws: PrometheusAPIError.self) { try await api.query("behind_proxy") }
            guard case .notJSON(let body)? = html?.kind else {
                Issue.record("expected notJSON, got \(String(describing: html))")
                return
            }
            #expect(body.contains("502 Bad Gateway"))
            #expect(html?.httpStatus == 502)

            let empty = await #expect(throws: PrometheusAPIError.self) { try await api.query("empty") }
            #expect(empty?.kind == .emptyBody)
            #expect(empty?.description.contains("empty body") == true)

            let garbage = await #expect(throws: PrometheusAPIError.self) { try await api.query("garbage") }
            #expect(garbage?.kind == .notJSON(body: "this is not json"))

            let shape = await #expect(throws: PrometheusAPIError.self) { try await api.query("wrong_shape") }
            guard case .malformed(let field, _)? = shape?.kind else {
                Issue.record("expected malformed, got \(String(describing: shape))")
                return
            }
            #expect(field == "data.result[0].value[1]")

            let number = await #expect(throws: PrometheusAPIError.self) { try await api.query("bad_number") }
            #expect(number?.description.contains("\"lots\" is not a number") == true)
        }
    }

    @Test("a dead server is reported as unreachable, naming the URL")
    func connectionRefused() async throws {
        let port = try await closedLocalPort()
        let api = PrometheusAPI(baseURL: "http://127.0.0.1:\(port)", timeout: .seconds(2))
        let error = await #expect(throws: PrometheusAPIError.self) { try await api.query("up") }
        guard case .unreachable? = error?.kind else {
            Issue.record("expected unreachable, got \(String(describing: error))")
            return
        }
        #expect(error?.description.contains("127.0.0.1:\(port)") == true)
    }

    @Test("targets: health, last error and scrape URL")
    func targets() async throws {
        try await withLocalHTTPServer(fakePrometheus()) { url in
            let targets = try await PrometheusAPI(baseURL: url).targets()
            #expect(targets.activeTargets.count == 2)
            #expect(targets.droppedTargets.isEmpty)
            let up = targets.activeTargets[0]
            #expect(up.health == .up)
            #expect(up.instance == "127.0.0.1:22379")
            #expect(up.scrapeURL == "http://127.0.0.1:22379/metrics")
            #expect(up.lastError.isEmpty)
            let lastScrape = try #require(up.lastScrape)
            #expect(abs(lastScrape.timeIntervalSince1970 - 1_795_417_505.156147772) < 1e-6)
            let down = targets.activeTargets[1]
            #expect(down.health == .down)
            #expect(down.lastError.contains("connection refused"))
        }
    }
}
