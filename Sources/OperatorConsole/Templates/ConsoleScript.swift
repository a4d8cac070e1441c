/// The console's one inline script: no framework, no data interpolated into it (pages hand it ids through
/// escaped `data-` attributes). It refreshes the page's `<main>` every few seconds from the server's own
/// rendering (already escaped), and sends the incident buttons to the API with the bearer token, which it
/// asks for once and keeps in this tab's sessionStorage only.
///
/// Written without a double opening brace: the layout is a mustache template and this text sits inside it.
enum ConsoleScript {
    static let javascript = """
        (function () {
          "use strict";
          var tokenKey = "operator-api-token";
          var whoKey = "operator-acknowledged-by";
          var busy = false;
          var status = document.getElementById("refresh-status");
          var seconds = Number(document.body.getAttribute("data-refresh-seconds")) || 10;

          function say(text) { if (status) { status.textContent = text; } }

          function refresh() {
            if (busy || document.hidden) { return; }
            busy = true;
            var headers = { "Accept": "text/html" };
            // Where serve asks a token for every route (a non-loopback listener), the refresh carries it too.
            var saved = window.sessionStorage.getItem(tokenKey);
            if (saved) { headers["Authorization"] = "Bearer " + saved; }
            fetch(window.location.pathname, { headers: headers, cache: "no-store" })
              .then(function (response) {
                if (!response.ok) { throw new Error("HTTP " + response.status); }
                return response.text();
              })
              .then(function (html) {
                var next = new DOMParser().parseFromString(html, "text/html").getElementById("live");
                var live = document.getElementById("live");
                if (next && live) { live.replaceChildren.apply(live, Array.from(next.childNodes)); }
                say("updated " + new Date().toLocaleTimeString());
              })
              .catch(function (error) { say("refresh failed (" + error.message + "); retrying"); })
              .then(function () { busy = false; });
          }
          window.setInterval(refresh, seconds * 1000);

          function token() {
            var saved = window.sessionStorage.getItem(tokenKey);
            if (saved) { return saved; }
            var entered = window.prompt("API token (OPERATOR_API_TOKEN of operator serve); kept in this tab only");
            if (entered) { window.sessionStorage.setItem(tokenKey, entered.trim()); }
            return entered ? entered.trim() : null;
          }

          function body(action) {
            if (action === "acknowledge") {
              var who = window.sessionStorage.getItem(whoKey) || window.prompt("Acknowledge as (your name)");
              if (!who) { return null; }
              window.sessionStorage.setItem(whoKey, who);
              var note = window.prompt("Note (optional)") || null;
              return { by: who, note: note };
            }
            if (action === "resolve") { return { note: window.prompt("Why is it resolved? (optional)") || null }; }
            return { diagnoser: "offline" };
          }

          document.addEventListener("click", function (event) {
            var button = event.target.closest("button[data-action]");
            if (!button) { return; }
            var result = document.getElementById("action-result");
            var action = button.getAttribute("data-action");
            var id = button.getAttribute("data-incident");
            var bearer = token();
            if (!bearer) { return; }
            var payload = body(action);
            if (payload === null) { return; }
            button.disabled = true;
            fetch("/api/v1/incidents/" + encodeURIComponent(id) + "/" + action, {
              method: "POST",
              headers: { "Authorization": "Bearer " + bearer, "Content-Type": "application/json" },
              body: JSON.stringify(payload)
            }).then(function (response) {
              return response.text().then(function (text) {
                if (response.ok) {
                  result.className = "";
                  result.textContent = action + ": done";
                  busy = false;
                  refresh();
                  return;
                }
                if (response.status === 401 || response.status === 403) { window.sessionStorage.removeItem(tokenKey); }
                var message = "HTTP " + response.status;
                try { var answer = JSON.parse(text); message = answer.error + (answer.detail ? ": " + answer.detail : ""); } catch (e) {}
                result.className = "failed";
                result.textContent = action + " failed: " + message;
              });
            }).catch(function (error) {
              result.className = "failed";
              result.textContent = action + " failed: " + error.message;
            }).then(function () { button.disabled = false; });
          });
        })();
        """
}
