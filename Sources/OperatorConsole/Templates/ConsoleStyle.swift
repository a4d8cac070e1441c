/// The console's one stylesheet, inlined in every page (no asset route, no build chain). Readable type,
/// tables that line up, and one colour per cluster state and severity.
enum ConsoleStyle {
    static let css = """
        :root { --fg: #1d232b; --muted: #5d6775; --line: #d9dee5; --bg: #f6f7f9; --card: #fff;
          --ok: #1f7a3f; --ok-bg: #e3f4e8; --warn: #8a5a00; --warn-bg: #fff1d1; --bad: #a3231b; --bad-bg: #fde5e2;
          --idle: #4b5563; --idle-bg: #eceff3; --info: #1d4f91; --info-bg: #e2ecfa; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
          color: var(--fg); background: var(--bg); }
        header.top { display: flex; align-items: baseline; gap: 1.5rem; padding: .7rem 2rem; background: #1d232b; color: #e8ecf1; }
        header.top a.brand { color: #fff; font-weight: 700; font-size: 1.1rem; text-decoration: none; letter-spacing: .02em; }
        header.top .refresh { margin-left: auto; font-size: .85rem; color: #aab4c0; }
        main { max-width: 1200px; margin: 0 auto; padding: 1.2rem 2rem 3rem; }
        h1 { font-size: 1.5rem; margin: .6rem 0 .4rem; }
        h2 { font-size: 1.15rem; margin: 1.8rem 0 .5rem; }
        p.lead { font-size: 1.05rem; margin: .3rem 0 .8rem; }
        .meta { color: var(--muted); font-size: .9rem; }
        .meta .item + .item::before { content: " · "; }
        .meta .badge { margin-right: .3rem; }
        td.root code, td.entity code { white-space: nowrap; }
        section.card h2 { margin-top: .2rem; }
        section.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .9rem 1.2rem; margin: 1rem 0; }
        table { width: 100%; border-collapse: collapse; background: var(--card); border: 1px solid var(--line); border-radius: 6px; font-size: .92rem; }
        th, td { text-align: left; vertical-align: top; padding: .45rem .7rem; border-bottom: 1px solid var(--line); }
        th { background: #eef1f5; font-weight: 600; font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
        tr:last-child td { border-bottom: none; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; }
        td.empty { color: var(--muted); font-style: italic; }
        code, td.code { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, monospace; font-size: .85rem; overflow-wrap: anywhere; }
        a { color: #1d4f91; }
        .badge { display: inline-block; padding: .05rem .55rem; border-radius: 999px; font-size: .8rem; font-weight: 600; white-space: nowrap; }
        .state-healthy { color: var(--ok); background: var(--ok-bg); }
        .state-degraded { color: var(--warn); background: var(--warn-bg); }
        .state-unobservable { color: var(--bad); background: var(--bad-bg); }
        .state-starting { color: var(--idle); background: var(--idle-bg); }
        .sev-critical, .verdict-violated, .status-open { color: var(--bad); background: var(--bad-bg); }
        .sev-warning, .status-diagnosed, .verdict-skipped { color: var(--warn); background: var(--warn-bg); }
        .sev-info { color: var(--info); background: var(--info-bg); }
        .status-resolved, .verdict-evaluated, .status-created { color: var(--idle); background: var(--idle-bg); }
        .verdict-evaluated { color: var(--ok); background: var(--ok-bg); }
        .rootcause { font-size: 1.05rem; }
        .confidence { font-weight: 700; }
        ul.claims { margin: .3rem 0; padding-left: 1.2rem; }
        ul.claims li { margin: .15rem 0; }
        .cites { color: var(--muted); font-size: .85rem; }
        .unsupported { color: var(--bad); }
        .observe-only { display: inline-block; margin-left: .5rem; font-size: .75rem; font-weight: 700; text-transform: uppercase;
          letter-spacing: .05em; color: var(--info); background: var(--info-bg); padding: .05rem .5rem; border-radius: 4px; }
        .actions { display: flex; gap: .6rem; align-items: center; margin: .8rem 0; flex-wrap: wrap; }
        button { font: inherit; font-size: .9rem; padding: .35rem .9rem; border-radius: 6px; border: 1px solid #9aa5b4; background: #fff; cursor: pointer; }
        button:hover { background: #eef1f5; }
        button[disabled] { opacity: .5; cursor: wait; }
        #action-result { font-size: .9rem; color: var(--muted); }
        #action-result.failed { color: var(--bad); }
        """
}
