/// 404 and 500 pages: what was asked for, why it cannot be shown, the way back.
enum MessageTemplate {
    static let name = "message"
    static let text = """
        {{<layout}}
        {{$title}}{{heading}}{{/title}}
        {{$main}}
        <h1>{{heading}}</h1>
        <p class="lead">{{message}}</p>
        <p><a href="/">All clusters and incidents</a></p>
        {{/main}}
        {{/layout}}
        """
}
