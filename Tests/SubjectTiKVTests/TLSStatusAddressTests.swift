import Testing

@testable import SubjectTiKV

/// A TLS TiKV cluster (TiUP `enable_tls`) serves its status ports over https, but PD reports them as bare
/// `host:port`: the observer gives them the scheme of the configured PD endpoints, so the cluster's TLS
/// settings apply to them too.
@Suite("TiKV status addresses on a TLS cluster")
struct TLSStatusAddressTests {
    @Test func bareAddressesTakeThePDScheme() {
        #expect(TiKVObserver.statusURL("tikv1:20180", secure: true) == "https://tikv1:20180")
        #expect(TiKVObserver.statusURL("tikv1:20180", secure: false) == "tikv1:20180")
        // An address PD already reports with a scheme is kept as it is.
        #expect(TiKVObserver.statusURL("http://tikv1:20180", secure: true) == "http://tikv1:20180")
        let target = StoreMetricsTarget(storeID: 1, statusAddress: TiKVObserver.statusURL("tikv1:20180", secure: true))
        #expect(target.metricsURL == "https://tikv1:20180/metrics")
        #expect(target.statusURL == "https://tikv1:20180/status")
    }
}
