import Foundation
import Testing

/// Checks on served or rendered HTML that hostile text stayed text.
enum RenderedPageChecks {
    /// Neither payload appears raw; each appears escaped; the only `<script` is the console's own, and no
    /// `<img` element exists at all.
    static func expectEscaped(_ html: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!html.contains(HostileText.script), "raw <script> payload in the page", sourceLocation: sourceLocation)
        #expect(!html.contains(HostileText.attribute), "raw attribute-breaking payload in the page", sourceLocation: sourceLocation)
        #expect(html.contains(HostileText.escapedScript), "the <script> payload is not shown as text", sourceLocation: sourceLocation)
        #expect(html.contains(HostileText.escapedAttribute), "the attribute payload is not shown as text", sourceLocation: sourceLocation)
        #expect(occurrences(of: "<script", in: html) == 1, "a script element other than the console's", sourceLocation: sourceLocation)
        #expect(!html.contains("<img"), "an <img> element in the page", sourceLocation: sourceLocation)
    }

    static func occurrences(of needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }
}
