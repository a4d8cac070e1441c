/// The frame of every page. Pages fill its `title` and `main` blocks (mustache template inheritance).
///
/// Templates are Swift string constants compiled once by swift-mustache, not resource files: the `operator`
/// binary stays one file that needs no bundle next to it, and a test compiles and renders every template.
/// Only `{{ }}` (escaping) is used, never `{{{ }}}` or `{{& }}`: a test checks that too.
enum LayoutTemplate {
    static let name = "layout"
    static let text = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{$title}}Operator{{/title}} · Operator</title>
        <style nonce="{{nonce}}">
        """ + ConsoleStyle.css + """
        </style>
        </head>
        <body data-refresh-seconds="{{refreshSeconds}}">
        <header class="top"><a class="brand" href="/">Operator</a><span>{{$crumb}}{{/crumb}}</span>
        <span class="refresh" id="refresh-status">rendered {{renderedAt}} · refreshes every {{refreshSeconds}} s</span></header>
        <main id="live">
        {{$main}}{{/main}}
        </main>
        <script nonce="{{nonce}}">
        """ + ConsoleScript.javascript + """
        </script>
        </body>
        </html>
        """
}
