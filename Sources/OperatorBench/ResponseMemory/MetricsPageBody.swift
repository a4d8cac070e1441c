import NIOCore

/// A Prometheus text-format page of about a given size, shaped like a TiKV status server's `/metrics`
/// (tikv-at-scale.md §1: per-thread series with `name`/`tid`, histograms with `type`/`le`), with a
/// `# HELP`/`# TYPE` pair per family. As on a real page, few families are ones Operator reads: the first
/// repetition uses the real names (`tikv_thread_cpu_seconds_total`, `tikv_grpc_msg_duration_seconds`), the
/// rest numbered engine families.
enum MetricsPageBody {
    static func make(minimumBytes: Int) -> (body: ByteBuffer, lines: Int) {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(minimumBytes + 4096)
        var lines = 0
        var family = 0
        let bounds = ["0.0005", "0.001", "0.002", "0.004", "0.008", "0.016", "0.032", "0.064", "0.128", "0.256", "0.512", "+Inf"]
        while buffer.readableBytes < minimumBytes {
            family += 1
            let cpu = family == 1 ? "tikv_thread_cpu_seconds_total" : "tikv_engine_thread_seconds_\(family)"
            buffer.writeString("# HELP \(cpu) Total user and system CPU time spent in seconds by threads.\n# TYPE \(cpu) counter\n")
            for tid in 0..<64 {
                buffer.writeString("\(cpu){name=\"grpc-server-\(tid % 8)\",tid=\"\(family * 100 + tid)\"} \(tid).25\n")
            }
            let histogram = family == 1 ? "tikv_grpc_msg_duration_seconds" : "tikv_engine_op_duration_seconds_\(family)"
            buffer.writeString("# HELP \(histogram) Bucketed histogram of grpc server messages\n# TYPE \(histogram) histogram\n")
            for type in ["kv_get", "kv_prewrite", "kv_commit", "coprocessor", "kv_batch_get"] {
                var cumulative = 0
                for le in bounds {
                    cumulative += 17
                    buffer.writeString("\(histogram)_bucket{type=\"\(type)\",le=\"\(le)\"} \(cumulative)\n")
                }
                buffer.writeString("\(histogram)_sum{type=\"\(type)\"} 12.5\n\(histogram)_count{type=\"\(type)\"} \(cumulative)\n")
            }
            lines += 4 + 64 + 5 * (bounds.count + 2)
        }
        return (buffer, lines)
    }
}
