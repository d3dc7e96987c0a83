/* Crowdfix moderation pages: progressive enhancement only; every form works without it.
 *
 * 1. Local times       <time data-local-time datetime="…Z">: the server writes UTC;
 *                      this shows the reader's own time with its time zone.
 * 2. Original lookup   input[data-question-lookup]: the flag and close forms find the
 *                      original of a duplicate by title as you type (GET
 *                      /api/v1/questions/similar); picking one puts its link in the
 *                      field, which the server reads as before. Without this script
 *                      the field takes a title, a link or a number.
 */
(function () {
  "use strict";
  if (window.crowdfixModeration) return;     // included once per page, but be safe
  window.crowdfixModeration = true;

  /* ---------------------------------------------------------- 1. local times */
  function localise(el) {
    var value = el.getAttribute("datetime");
    var date = value ? new Date(value) : null;
    if (!date || isNaN(date.getTime()) || !window.Intl || !Intl.DateTimeFormat) return;
    try {
      var text = new Intl.DateTimeFormat(undefined, {
        year: "numeric", month: "short", day: "numeric",
        hour: "2-digit", minute: "2-digit", timeZoneName: "short"
      }).format(date);
      el.setAttribute("title", el.textContent.trim());
      el.textContent = text;
    } catch (e) { /* keep the UTC text */ }
  }

  /* ------------------------------------------------------- 2. original lookup */
  var lookupCount = 0;

  function setupLookup(input) {
    if (!window.fetch) return;
    var exclude = input.getAttribute("data-lookup-exclude");
    var id = input.id || ("question-lookup-" + (++lookupCount));
    input.id = id;

    var wrap = document.createElement("div");
    wrap.className = "ac";
    input.parentNode.insertBefore(wrap, input);
    wrap.appendChild(input);

    var list = document.createElement("ul");
    list.id = id + "-listbox";
    list.className = "ac-list ac-list--questions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Questions with a title like this");
    list.hidden = true;
    wrap.appendChild(list);

    var chosen = document.createElement("p");
    chosen.className = "lookup-chosen";
    chosen.hidden = true;
    wrap.parentNode.insertBefore(chosen, wrap.nextSibling);

    var status = document.createElement("span");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    wrap.appendChild(status);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);

    var items = [];
    var active = -1;
    var timer = null;
    var controller = null;
    var lastAsked = "";

    function looksLikeReference(text) {
      return /^#?\d+$/.test(text) || text.indexOf("/questions/") !== -1;
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var options = list.children;
      if (active >= 0 && options[active]) options[active].setAttribute("aria-selected", "false");
      active = index;
      if (index < 0 || !options[index]) { input.removeAttribute("aria-activedescendant"); return; }
      options[index].setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", options[index].id);
    }

    function choose(index) {
      var q = items[index];
      if (!q) return;
      var path = q.url.replace(/^https?:\/\/[^/]+/, "");
      input.value = path;
      lastAsked = path;
      chosen.textContent = "";
      chosen.appendChild(document.createTextNode("Original: "));
      var link = document.createElement("a");
      link.href = path;
      link.textContent = q.title;
      chosen.appendChild(link);
      chosen.hidden = false;
      close();
      status.textContent = "Chosen: " + q.title;
      input.focus();
    }

    function render(results) {
      items = results.filter(function (q) { return String(q.id) !== exclude; }).slice(0, 6);
      list.textContent = "";
      active = -1;
      items.forEach(function (q, i) {
        var li = document.createElement("li");
        li.id = list.id + "-opt-" + i;
        li.className = "ac-option";
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.textContent = q.title;
        if (q.solved) {
          var badge = document.createElement("span");
          badge.className = "badge badge--solved badge--small";
          badge.textContent = "solved";
          li.appendChild(document.createTextNode(" "));
          li.appendChild(badge);
        }
        li.addEventListener("mousedown", function (e) { e.preventDefault(); });
        li.addEventListener("click", function () { choose(i); });
        list.appendChild(li);
      });
      if (items.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
        status.textContent = items.length + (items.length === 1 ? " question" : " questions") +
          " found. Use up and down arrows to choose.";
      } else {
        close();
        status.textContent = "No question found with a title like this.";
      }
    }

    function lookUp() {
      var text = input.value.trim();
      if (text.length < 3 || looksLikeReference(text) || text === lastAsked) {
        if (text.length < 3) close();
        return;
      }
      lastAsked = text;
      if (controller) controller.abort();
      controller = window.AbortController ? new AbortController() : null;
      fetch("/api/v1/questions/similar?title=" + encodeURIComponent(text), {
        credentials: "same-origin",
        headers: { "Accept": "application/json" },
        signal: controller ? controller.signal : undefined
      })
        .then(function (response) {
          if (!response.ok) throw new Error("lookup failed");
          return response.json();
        })
        .then(function (json) {
          if (input.value.trim() === text) render((json && json.results) || []);
        })
        .catch(function () { /* the field still takes a title, link or number */ });
    }

    input.addEventListener("input", function () {
      chosen.hidden = true;
      clearTimeout(timer);
      timer = setTimeout(lookUp, 200);
    });
    input.addEventListener("keydown", function (event) {
      var open = !list.hidden;
      if (event.key === "ArrowDown" && open) {
        event.preventDefault();
        highlight(active + 1 >= items.length ? 0 : active + 1);
      } else if (event.key === "ArrowUp" && open) {
        event.preventDefault();
        highlight(active <= 0 ? items.length - 1 : active - 1);
      } else if (event.key === "Enter" && open && active >= 0) {
        event.preventDefault();
        choose(active);
      } else if (event.key === "Escape" && open) {
        event.preventDefault();
        close();
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("time[data-local-time]"), localise);
    Array.prototype.forEach.call(document.querySelectorAll("input[data-question-lookup]"), setupLookup);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
