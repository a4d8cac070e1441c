import Foundation
import OperatorCore
import OperatorHarness
import OperatorTestSupport
import SubjectTiKV
import Testing

@Suite("TiKV subject conformance")
struct TiKVConformanceTests {
    @Test("the TiKV subject passes the conformance any subject can run, and make sends no request")
    func conforms() async throws {
        let server = try await CountingServer.start()
        defer { server.server.stop() }
        let registration = TiKVRegistration.registration
        #expect(SubjectConformance.checkMake(registration, endpoints: [server.baseURL]) == [])
        let subject = try TiKVSubject(configuration: SubjectConfiguration(endpoints: [server.baseURL]))
        let problems = SubjectConformance.check(
            subject, emptySnapshot: TiKVSnapshot(observedAt: Date()), logParser: registration.logParser)
        #expect(problems == [])
        // Give a stray background task of make a moment to show itself; nothing may have arrived.
        try await Task.sleep(for: .milliseconds(200))
        #expect(server.requests == 0)
        // The counter does see requests: observing (unlike making) asks the endpoint.
        _ = try? await subject.observe()
        #expect(server.requests > 0)
    }
}
