import Foundation
import OperatorCore
import Testing
@testable import OperatorConsole

@Suite("Console templates")
struct ConsoleTemplateTests {
    @Test("Every template compiles, and none can print unescaped text ({{{ }}}, {{& }} or a content-type pragma)")
    func templatesEscapeEverything() throws {
        _ = try ConsolePages()
        for (name, text) in ConsolePages.templates {
            #expect(!text.contains("{{{"), "\(name) prints raw text with {{{ }}}")
            #expect(!text.contains("{{&"), "\(name) prints raw text with {{& }}")
            #expect(!text.contains("{{%"), "\(name) changes the content type with a pragma")
        }
    }

    @Test("The inline script and stylesheet reach the page whole, under the response's nonce")
    func scriptAndStyleVerbatim() throws {
        let html = try ConsolePages().message(heading: "h", message: "m", now: Date(), nonce: "n0nce")
        #expect(html.contains(ConsoleScript.javascript))
        #expect(html.contains(ConsoleStyle.css))
        #expect(html.contains("<script nonce=\"n0nce\">"))
        #expect(html.contains("<style nonce=\"n0nce\">"))
        // A double brace in the script would have been eaten by mustache.
        #expect(!ConsoleScript.javascript.contains("{{"))
        #expect(!ConsoleStyle.css.contains("{{"))
    }

    @Test("Ages and paths: never 'healthy'-looking text for a cluster never heard from; names stay one path segment")
    func textHelpers() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(ConsoleText.age(of: nil, now: now) == "never")
        #expect(ConsoleText.age(of: now.addingTimeInterval(-5), now: now) == "5 s ago")
        #expect(ConsoleText.age(of: now.addingTimeInterval(-600), now: now) == "10 min ago")
        #expect(ConsoleText.age(of: now.addingTimeInterval(-3 * 86400), now: now) == "3 d ago")
        #expect(ConsoleText.age(of: Date(timeIntervalSince1970: .infinity), now: now) != "")
        #expect(ConsoleText.clusterPath("prod-eu-1") == "/clusters/prod-eu-1")
        #expect(ConsoleText.clusterPath("a/b?c#d é") == "/clusters/a%2Fb%3Fc%23d%20%C3%A9")
    }
}
