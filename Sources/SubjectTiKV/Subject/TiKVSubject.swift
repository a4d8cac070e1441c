import AsyncHTTPClient
import OperatorHTTP
import Foundation
import Logging
import OperatorCore
import PrometheusClient

/// The TiKV subject: watches a TiKV cluster through PD's HTTP API, each store's status server (or a
/// Prometheus scraping them). PD's own `/metrics` is never read.
public struct TiKVSubject: Subject {
    public typealias Snapshot = TiKVSnapshot

    public let name = "tikv"
    public let settings: TiKVSettings
    public let invariants: [any Invariant<TiKVSnapshot>]
    public let knowledge: TiKVKnowledge
    public let observer: TiKVObserver

    /// Builds the subject without network I/O. Throws ``TiKVSettingsError`` for a bad `subjects.tikv`
    /// section.
    public init(configuration: SubjectConfiguration, httpClient: HTTPClient = OperatorHTTPClient.shared) throws {
        let settings = try TiKVSettings(settings: configuration.settings)
        self.settings = settings
        let prometheus = configuration.prometheusURL.flatMap { $0.isEmpty ? nil : $0 }.map {
            PrometheusAPI(
                baseURL: $0, timeout: configuration.requestTimeout, httpClient: httpClient, logger: configuration.logger)
        }
        let metricsSource: any StoreMetricsSource
        if let prometheus {
            metricsSource = PrometheusStoreMetricsSource(
                api: prometheus, window: settings.collection.prometheusRateWindow,
                probeTimeout: settings.collection.probeStatusEndpoints ? configuration.requestTimeout : nil,
                httpClient: httpClient)
        } else {
            metricsSource = DirectStoreMetricsSource(
                timeout: configuration.requestTimeout, warmup: settings.collection.warmup, httpClient: httpClient,
                logger: configuration.logger)
        }
        let pd = PDClient(
            endpoints: configuration.endpoints, timeout: configuration.requestTimeout, httpClient: httpClient,
            logger: configuration.logger)
        self.observer = TiKVObserver(
            pd: pd, configuredEndpoints: configuration.endpoints, metricsSource: metricsSource, prometheus: prometheus,
            lowSpaceRatio: settings.thresholds.lowSpaceRatio, logger: configuration.logger)
        self.invariants = TiKVInvariants.all(settings.thresholds)
        self.knowledge = TiKVKnowledge(thresholds: settings.thresholds, prometheus: prometheus, observer: observer)
    }

    public var pd: PDClient { observer.pd }

    /// A kept-alive connection to every store's status port and every PD member (`TiKVLivenessSource`).
    public var liveness: (any LivenessSource)? {
        TiKVLivenessSource(pd: observer.pd, marks: observer.livenessMarks, secure: observer.secure, logger: observer.logger)
    }

    public func observe() async throws -> TiKVSnapshot {
        try await observer.observe()
    }
}
