import Hummingbird

/// Large bodies sent in chunks, each counted (`RequestCounter.recordBytes`) once written, so a client
/// that stops reading early is charged only for what was sent before it closed.
enum StreamedBody {
    /// `chunk(i)` for i = 0, 1, … until it returns nil; chunks are produced as the client reads.
    static func response(
        headers: HTTPFields, counter: RequestCounter, key: String, chunk: @escaping @Sendable (Int) -> String?
    ) -> Response {
        Response(status: .ok, headers: headers, body: ResponseBody { writer in
            var index = 0
            while let text = chunk(index) {
                let buffer = ByteBuffer(string: text)
                try await writer.write(buffer)
                counter.recordBytes(key, buffer.readableBytes)
                index += 1
            }
            try await writer.finish(nil)
        })
    }
}

/// `/metrics` answers: TiKV and PD gzip when the client accepts it (tikv-at-scale.md §1.3, §2), and
/// send the identity encoding otherwise.
enum MetricsResponse {
    static func headers(contentType: String, gzip: Bool) -> HTTPFields {
        var headers: HTTPFields = [.contentType: contentType]
        if gzip { headers[.contentEncoding] = "gzip" }
        return headers
    }

    /// A page of a part built per request and a static part compressed once (`bulk`).
    static func page(
        _ text: String, bulk: (text: String, deflated: DeflateSegment)?, gzip: Bool, contentType: String
    ) -> Response {
        let headers = headers(contentType: contentType, gzip: gzip)
        if gzip {
            let bytes = Gzip.member([DeflateSegment(text)] + (bulk.map { [$0.deflated] } ?? []))
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        var buffer = ByteBuffer(string: text)
        if let bulk { buffer.writeString(bulk.text) }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: buffer))
    }

    /// PD's page: the leader's per-request gauges, then the quadratic scheduler series, streamed row
    /// by row when plain (never held whole) and from the kept compressed copy when gzipped.
    static func pdPage(
        _ text: String, series: PDSchedulerSeries?, cluster: SimulatedCluster, gzip: Bool, key: String, contentType: String
    ) -> Response {
        guard let series, series.rowCount > 0 else { return page(text, bulk: nil, gzip: gzip, contentType: contentType) }
        let headers = headers(contentType: contentType, gzip: gzip)
        if gzip {
            let bytes = Gzip.member([DeflateSegment(text), cluster.pdSchedulerSeriesDeflated])
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        return StreamedBody.response(headers: headers, counter: cluster.requests, key: key) { index in
            if index == 0 { return text }
            return index <= series.rowCount ? series.row(index - 1) : nil
        }
    }
}

/// A `/regions/check/…` body (`{"count":N,"regions":[…]}`, easyjson's compact form) of many regions,
/// rendered `chunkRegions` at a time from a copy of the model taken when the request arrived.
struct RegionListStream: Sendable {
    static let chunkRegions = 500

    let model: ClusterModel
    let summary: ClusterSummary
    let count: Int
    let regions: [Int]

    func chunk(_ index: Int) -> String? {
        let chunks = max(1, (regions.count + Self.chunkRegions - 1) / Self.chunkRegions)
        guard index < chunks else { return nil }
        let start = index * Self.chunkRegions
        var text = index == 0 ? "{\"count\":\(count),\"regions\":[" : ""
        var activities: [Int: StoreActivity] = [:]
        let end = min(regions.count, start + Self.chunkRegions)
        for position in start..<end {
            if position > 0 { text += "," }
            let region = regions[position]
            text += model.regionJSON(region, view: summary.views[model.layout.cohort(ofRegion: region)], summary: summary, activities: &activities).compact()
        }
        if end == regions.count { text += "]}" }
        return text
    }
}
