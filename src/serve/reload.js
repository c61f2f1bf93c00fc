// kbsite serve: live reload and the error overlay. Added to pages by the
// preview server only; never part of a built site.
(function () {
  "use strict";
  var key = "kbsite-scroll:" + location.pathname;
  var saved = sessionStorage.getItem(key);
  if (saved !== null) {
    sessionStorage.removeItem(key);
    var y = parseInt(saved, 10);
    var restore = function () { window.scrollTo(0, y); };
    if (document.readyState === "complete") restore();
    else window.addEventListener("load", restore);
  }

  function page() {
    var p = decodeURIComponent(location.pathname).replace(/^\/+/, "");
    if (p === "" || p.charAt(p.length - 1) === "/") p += "index.html";
    return p;
  }

  function reload() {
    sessionStorage.setItem(key, String(window.scrollY));
    location.reload();
  }

  function overlay(errors) {
    var old = document.getElementById("kbsite-overlay");
    if (old) old.remove();
    if (!errors.length) return;
    var box = document.createElement("div");
    box.id = "kbsite-overlay";
    box.setAttribute("role", "alert");
    box.style.cssText = "position:fixed;inset:0 0 auto 0;max-height:70vh;overflow:auto;" +
      "z-index:2147483647;background:#fff4f4;color:#1a1a1a;border-bottom:3px solid #b00020;" +
      "font:14px/1.5 system-ui,sans-serif;padding:1em 1.5em;box-shadow:0 2px 12px rgba(0,0,0,.3)";
    var h = document.createElement("h2");
    h.style.cssText = "margin:0 0 .5em;font-size:1.1em;color:#b00020";
    h.textContent = "kbsite: " + errors.length + (errors.length === 1 ? " error" : " errors") +
      " — the last good version of the site is shown";
    box.appendChild(h);
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = "Dismiss";
    close.style.cssText = "position:absolute;top:1em;right:1.5em";
    close.onclick = function () { box.remove(); };
    box.appendChild(close);
    var list = document.createElement("ul");
    list.style.cssText = "margin:0;padding-left:1.2em";
    errors.forEach(function (d) {
      var li = document.createElement("li");
      var at = document.createElement("code");
      at.textContent = (d.file || "") + (d.line ? ":" + d.line : "");
      li.appendChild(at);
      li.appendChild(document.createTextNode(" " + d.message));
      if (d.hint) {
        var hint = document.createElement("div");
        hint.style.color = "#444";
        hint.textContent = "hint: " + d.hint;
        li.appendChild(hint);
      }
      list.appendChild(li);
    });
    box.appendChild(list);
    document.body.appendChild(box);
  }

  var source = new EventSource("/__kbsite/events");
  // For tests and tools: whether the page is listening for changes.
  source.addEventListener("open", function () { window.kbsiteLive = true; });
  source.addEventListener("reload", function (e) {
    var paths = JSON.parse(e.data);
    if (paths.indexOf("*") >= 0 || paths.indexOf(page()) >= 0) reload();
  });
  source.addEventListener("errors", function (e) {
    var show = function () { overlay(JSON.parse(e.data)); };
    if (document.body) show();
    else document.addEventListener("DOMContentLoaded", show);
  });
})();
