import Testing

/// Every suite that runs the `operator` binary, one test at a time: each test starts clusters,
/// simulators or Prometheus in child processes, and on a 2-core machine several at once starve the
/// rest of the test process (all suites share it) of CPU.
@Suite("operator binary, end to end", .serialized)
enum EndToEnd {}
