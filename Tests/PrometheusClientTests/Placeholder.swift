import Testing

@Suite struct PrometheusClientPlaceholder {}
