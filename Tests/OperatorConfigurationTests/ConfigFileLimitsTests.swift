import Foundation
import OperatorConfiguration
import Testing

@Suite("operator.yaml: limits on size, nesting and alias expansion")
struct ConfigFileLimitsTests {
    typealias Outcome = Result<OperatorConfigFile, ConfigurationError>

    static func parse(_ text: String) async -> Outcome? {
        await finishing(within: .seconds(60)) {
            do throws(ConfigurationError) {
                return .success(try OperatorConfigFile.parse(text, path: "operator.yaml"))
            } catch {
                return .failure(error)
            }
        }
    }

    /// The classic "billion laughs": 12 lines, 10^9 strings once expanded.
    static let billionLaughs = """
        subject: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
        b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
        c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
        d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
        e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
        f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
        g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
        h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
        i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
        subjects:
          tikv: *i
        endpoints: *i
        """

    @Test("A billion-laughs alias bomb fails with a clear error instead of growing memory without bound")
    func aliasBombIsRefused() async throws {
        let outcome = try #require(await Self.parse(Self.billionLaughs), "the parse did not finish within the hang guard")
        guard case .failure(let error) = outcome else {
            Issue.record("the alias bomb was accepted")
            return
        }
        #expect(error.message.contains("operator.yaml"))
        #expect(error.message.contains("expands to more than"), "\(error.message)")
    }

    @Test("An alias used as a mapping key is refused before the composer hashes its expansion")
    func aliasAsKeyIsRefused() async throws {
        let text = """
            a: &a [x, x, x, x, x, x, x, x]
            b: &b [*a, *a, *a, *a, *a, *a, *a, *a]
            subjects:
              *b : 1
            """
        let outcome = try #require(await Self.parse(text))
        guard case .failure(let error) = outcome else { Issue.record("accepted"); return }
        #expect(error.message.contains("line 4"), "\(error.message)")
        #expect(error.message.contains("alias"))
    }

    @Test("A document over 1 MiB is refused by size, naming the limit")
    func oversizedDocumentIsRefused() async throws {
        let text = "subject: tikv\n" + String(repeating: "# padding padding padding padding padding padding\n", count: 25_000)
        #expect(text.utf8.count > 1 << 20)
        let outcome = try #require(await Self.parse(text))
        guard case .failure(let error) = outcome else { Issue.record("accepted"); return }
        #expect(error.message.contains("1048576 bytes"), "\(error.message)")
        let data = Data(text.utf8)
        #expect(throws: ConfigurationError.self) { try OperatorConfigFile.parse(data, path: "big.yaml") }
    }

    @Test("Deep nesting is refused before the recursive composer sees it")
    func deepNestingIsRefused() async throws {
        for text in [
            "subjects: " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000),
            "subjects:\n" + String(repeating: "- ", count: 100_000) + "x\n",
        ] {
            let outcome = try #require(await Self.parse(text), "did not finish")
            guard case .failure(let error) = outcome else { Issue.record("accepted"); continue }
            #expect(error.message.contains("nests more than"), "\(error.message)")
        }
    }

    @Test("An ordinary file with an anchor and an alias still loads")
    func ordinaryAliasesStillWork() async throws {
        let text = """
            subject: tikv
            endpoints: [http://pd0:2379, "pd1:2379"]
            interval: 5s
            resolve_after: 3
            subjects:
              tikv: &thresholds { latency_p99_seconds: 0.5 }
              etcd: *thresholds
            """
        let outcome = try #require(await Self.parse(text))
        let file = try outcome.get()
        #expect(try file.string("subject") == "tikv")
        #expect(try file.subjectSettings("etcd")["latency_p99_seconds"]?.doubleValue == 0.5)
        #expect(try file.endpointURLs("endpoints")?.map(\.url) == ["http://pd0:2379", "http://pd1:2379"])
        #expect(try file.duration(SettingLimits.interval) == .seconds(5))
        #expect(try file.integer(SettingLimits.resolveAfter) == 3)
    }

    @Test("Not UTF-8, not a mapping, an unknown key: each is named")
    func otherBadDocuments() throws {
        #expect(throws: ConfigurationError.self) { try OperatorConfigFile.parse(Data([0xFF, 0xFE, 0x00, 0x80]), path: "x.yaml") }
        do throws(ConfigurationError) {
            _ = try OperatorConfigFile.parse("- a\n- b\n", path: "x.yaml")
            Issue.record("a list was accepted")
        } catch {
            #expect(error.message.contains("must be a mapping"))
        }
        do throws(ConfigurationError) {
            _ = try OperatorConfigFile.parse("intervall: 5s\n", path: "x.yaml")
            Issue.record("a typo was accepted")
        } catch {
            #expect(error.message.contains("unknown setting \"intervall\""))
        }
    }
}
