/* Crowdfix: small progressive enhancements. Every page works without this file.
 *
 * 1. Votes without a page reload            (form[data-vote-form])
 * 2. Live Markdown preview                  (textarea[data-preview-target])
 * 3. Tag autocomplete (ARIA 1.2 combobox)   (input[data-tag-autocomplete])
 * 4. Confirm before destructive submits     (form[data-confirm])
 * 5. Similar threads while typing a title    (input[data-similar-target])
 */
(function () {
  "use strict";

  var meta = document.querySelector('meta[name="csrf-token"]');
  var CSRF = meta ? meta.getAttribute("content") : "";

  function post(url, body, signal) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": CSRF },
      body: body,
      signal: signal
    });
  }

  function isJSON(response) {
    var type = response.headers.get("Content-Type") || "";
    return type.indexOf("application/json") !== -1;
  }

  /* Remember which submit button was used (for browsers without SubmitEvent.submitter). */
  var lastSubmitter = null;
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[type=submit], button:not([type]), input[type=submit]");
    if (button && button.form) lastSubmitter = button;
  }, true);

  function submitterOf(event, form) {
    if (event.submitter) return event.submitter;
    if (lastSubmitter && lastSubmitter.form === form) return lastSubmitter;
    return null;
  }

  /* ---------------------------------------------------------- 4. confirm */
  // Capture phase, so a cancelled confirm stops every other handler too.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-confirm")) return;
    if (!window.confirm(form.getAttribute("data-confirm") || "Are you sure?")) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  /* ------------------------------------------------------------- 1. votes */
  function voteButtons(form) {
    return {
      up: form.querySelector(".vote-btn--up"),
      down: form.querySelector(".vote-btn--down")
    };
  }

  function setButton(button, pressed, valueWhenOff) {
    if (!button) return;
    button.value = pressed ? "0" : valueWhenOff;
    button.setAttribute("aria-pressed", pressed ? "true" : "false");
    if (!button.disabled) {
      var title = pressed ? button.getAttribute("data-title-undo") : button.getAttribute("data-title-vote");
      if (title) button.title = title;
    }
  }

  function showVoteError(form, message) {
    var box = form.querySelector("[data-vote-error]");
    if (!box) { window.alert(message); return; }
    box.textContent = message;
    box.hidden = false;
    clearTimeout(box._timer);
    box._timer = setTimeout(function () { box.hidden = true; }, 8000);
  }

  function hideVoteError(form) {
    var box = form.querySelector("[data-vote-error]");
    if (box) { box.hidden = true; clearTimeout(box._timer); }
  }

  function nativeSubmit(form, button) {
    // Fall back to a normal form post (e.g. the session expired and we were sent to log in).
    var hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = button.name;
    hidden.value = button.value;
    form.appendChild(hidden);
    HTMLFormElement.prototype.submit.call(form);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-vote-form")) return;
    if (event.defaultPrevented || !window.fetch || !window.FormData) return;
    var button = submitterOf(event, form);
    if (!button || button.name !== "value") return;
    event.preventDefault();
    if (form.getAttribute("aria-busy") === "true") return;

    var data = new FormData(form);
    data.set("value", button.value);
    var buttons = voteButtons(form);
    form.setAttribute("aria-busy", "true");
    button.classList.add("is-busy");
    hideVoteError(form);

    post(form.action, data)
      .then(function (response) {
        if (!isJSON(response)) {
          nativeSubmit(form, button);
          return null;
        }
        return response.json().then(function (json) {
          if (!response.ok || json.error) {
            var message = json.error && json.error.message ? json.error.message : "Your vote was not recorded.";
            showVoteError(form, message);
            return;
          }
          var mine = Number(json.my_vote) || 0;
          setButton(buttons.up, mine === 1, "1");
          setButton(buttons.down, mine === -1, "-1");
          var score = form.querySelector("[data-score]");
          if (score && json.score !== undefined) score.textContent = String(json.score);
        });
      })
      .catch(function () {
        showVoteError(form, "Network problem: your vote was not recorded. Try again.");
      })
      .then(function () {
        form.removeAttribute("aria-busy");
        button.classList.remove("is-busy");
      });
  });

  /* ---------------------------------------------------- 2. live preview */
  function setupPreview(textarea) {
    var target = document.getElementById(textarea.getAttribute("data-preview-target"));
    if (!target || !window.fetch) return;
    var section = target.closest("[data-preview-section]") || target;
    var url = textarea.getAttribute("data-preview-url") || "/preview";
    var timer = null;
    var controller = null;
    var sequence = 0;

    function render() {
      var text = textarea.value;
      if (!text.trim()) {
        target.innerHTML = "";
        section.hidden = true;
        return;
      }
      var mine = ++sequence;
      if (controller) controller.abort();
      controller = window.AbortController ? new AbortController() : null;
      var data = new FormData();
      data.append("body", text);
      section.classList.add("is-loading");
      post(url, data, controller ? controller.signal : undefined)
        .then(function (response) {
          if (!response.ok || !isJSON(response)) throw new Error("preview failed");
          return response.json();
        })
        .then(function (json) {
          if (mine !== sequence) return;
          // The server sanitises this HTML (the same pipeline as saved posts).
          target.innerHTML = json.html || "";
          section.hidden = false;
        })
        .catch(function () { /* keep the last good preview */ })
        .then(function () {
          if (mine === sequence) section.classList.remove("is-loading");
        });
    }

    textarea.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(render, 400);
    });
  }

  /* ------------------------------------------------- 3. tag autocomplete */
  var acCount = 0;

  function setupTagAutocomplete(input) {
    if (!window.fetch) return;
    var url = input.getAttribute("data-tags-url") || "/tags";
    var id = input.id || ("tags-input-" + (++acCount));
    input.id = id;

    var wrap = document.createElement("div");
    wrap.className = "ac";
    input.parentNode.insertBefore(wrap, input);
    wrap.appendChild(input);

    var list = document.createElement("ul");
    list.id = id + "-listbox";
    list.className = "ac-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Tag suggestions");
    list.hidden = true;
    wrap.appendChild(list);

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
    var cache = Object.create(null);

    function wordAtCaret() {
      var value = input.value;
      var pos = typeof input.selectionStart === "number" ? input.selectionStart : value.length;
      var before = value.slice(0, pos).match(/[^\s,]*$/)[0];
      var after = value.slice(pos).match(/^[^\s,]*/)[0];
      return { start: pos - before.length, end: pos + after.length, word: (before + after).toLowerCase() };
    }

    function enteredTags(except) {
      return input.value.toLowerCase().split(/[\s,]+/).filter(function (t) { return t && t !== except; });
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function open() {
      if (!items.length) return;
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function highlight(index) {
      var options = list.children;
      if (active >= 0 && options[active]) options[active].setAttribute("aria-selected", "false");
      active = index;
      if (index < 0 || !options[index]) {
        input.removeAttribute("aria-activedescendant");
        return;
      }
      options[index].setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", options[index].id);
      if (options[index].scrollIntoView) options[index].scrollIntoView({ block: "nearest" });
    }

    function choose(index) {
      var tag = items[index];
      if (!tag) return;
      var at = wordAtCaret();
      var value = input.value;
      var rest = value.slice(at.end).replace(/^[\s,]*/, "");
      var head = value.slice(0, at.start) + tag.name + " ";
      input.value = head + rest;
      input.setSelectionRange(head.length, head.length);
      close();
      status.textContent = tag.name + " added.";
      input.focus();
    }

    function render(tags, word) {
      var taken = enteredTags(word);
      items = tags.filter(function (t) { return taken.indexOf(t.name) === -1; }).slice(0, 10);
      list.textContent = "";
      active = -1;
      input.removeAttribute("aria-activedescendant");
      items.forEach(function (tag, i) {
        var li = document.createElement("li");
        li.id = list.id + "-opt-" + i;
        li.className = "ac-option";
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        var name = document.createElement("span");
        name.className = "tag";
        name.textContent = tag.name;
        var count = document.createElement("span");
        count.className = "ac-option__count";
        count.textContent = "× " + tag.count;
        count.setAttribute("aria-label", tag.count + (tag.count === 1 ? " question" : " questions"));
        li.appendChild(name);
        li.appendChild(document.createTextNode(" "));
        li.appendChild(count);
        // mousedown keeps focus in the input; click picks the option.
        li.addEventListener("mousedown", function (e) { e.preventDefault(); });
        li.addEventListener("click", function () { choose(i); });
        list.appendChild(li);
      });
      if (items.length) {
        open();
        status.textContent = items.length + (items.length === 1 ? " suggestion" : " suggestions") +
          ". Use up and down arrows to choose.";
      } else {
        close();
        status.textContent = "";
      }
    }

    function suggest() {
      var word = wordAtCaret().word;
      if (!word) { items = []; close(); return; }
      if (cache[word]) { render(cache[word], word); return; }
      if (controller) controller.abort();
      controller = window.AbortController ? new AbortController() : null;
      fetch(url + "?format=json&q=" + encodeURIComponent(word), {
        credentials: "same-origin",
        headers: { "Accept": "application/json" },
        signal: controller ? controller.signal : undefined
      })
        .then(function (response) {
          if (!response.ok || !isJSON(response)) throw new Error("tags failed");
          return response.json();
        })
        .then(function (json) {
          var tags = (json && json.tags) || [];
          cache[word] = tags;
          if (wordAtCaret().word === word && document.activeElement === input) render(tags, word);
        })
        .catch(function () { /* suggestions are optional */ });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(suggest, 150);
    });

    input.addEventListener("keydown", function (event) {
      var isOpen = !list.hidden;
      switch (event.key) {
        case "ArrowDown":
          event.preventDefault();
          if (!isOpen) { if (items.length) open(); else suggest(); return; }
          highlight(active + 1 >= items.length ? 0 : active + 1);
          break;
        case "ArrowUp":
          if (!isOpen) return;
          event.preventDefault();
          highlight(active <= 0 ? items.length - 1 : active - 1);
          break;
        case "Enter":
          if (isOpen && active >= 0) {
            event.preventDefault();
            choose(active);
          } else if (isOpen) {
            close();
          }
          break;
        case "Tab":
          if (isOpen && active >= 0) choose(active);
          else close();
          break;
        case "Escape":
          if (isOpen) {
            event.preventDefault();
            close();
          }
          break;
        default:
          break;
      }
    });

    input.addEventListener("blur", function () {
      setTimeout(close, 120);
    });
  }

  /* -------------------------------------------- 5. similar threads on /ask */
  function setupSimilar(input) {
    var panel = document.getElementById(input.getAttribute("data-similar-target"));
    var url = input.getAttribute("data-similar-url");
    // With an ask session (deflection), the look-up says so and an opened
    // suggestion goes through /ask/open/<token>/<id>.
    var askSession = input.getAttribute("data-ask-session");
    var openUrl = input.getAttribute("data-similar-open");
    if (!panel || !url || !window.fetch) return;
    var list = panel.querySelector("[data-similar-list]");
    var timer = null;
    var controller = null;
    var lastTitle = null;

    function badge(text, kind) {
      var span = document.createElement("span");
      span.className = "badge badge--small badge--" + kind;
      span.textContent = text;
      return span;
    }

    function show(results, articles) {
      // Built from text nodes only: titles never become markup.
      list.textContent = "";
      // Knowledge-base articles that match come first.
      (articles || []).forEach(function (r) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        li.className = "similar__article";
        a.href = r.url;
        a.textContent = r.title;
        li.appendChild(badge("knowledge base", "kb"));
        li.appendChild(document.createTextNode(" "));
        li.appendChild(a);
        list.appendChild(li);
      });
      results.forEach(function (r) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = openUrl ? openUrl.replace(/\/0$/, "/" + r.id) : r.url;
        a.textContent = r.title;
        li.appendChild(a);
        if (r.solved) li.appendChild(badge("solved", "solved"));
        if (r.status === "closed") li.appendChild(badge("closed", "closed"));
        list.appendChild(li);
      });
      panel.hidden = results.length === 0 && (articles || []).length === 0;
    }

    function lookUp() {
      var title = input.value.trim();
      if (title === lastTitle) return;
      lastTitle = title;
      if (title.length < 10) { show([]); return; }
      if (controller) controller.abort();
      controller = window.AbortController ? new AbortController() : null;
      fetch(url + "?title=" + encodeURIComponent(title) +
            (askSession ? "&ask_session=" + encodeURIComponent(askSession) : ""), {
        headers: { "Accept": "application/json" },
        credentials: "same-origin",
        signal: controller ? controller.signal : undefined
      })
        .then(function (response) {
          if (!response.ok || !isJSON(response)) throw new Error("similar failed");
          return response.json();
        })
        .then(function (json) { show(json.results || [], json.articles || []); })
        .catch(function () { /* keep what is shown */ });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(lookUp, 350);
    });
  }

  /* ----------------------------------------------------------------- init */
  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("textarea[data-preview-target]"), setupPreview);
    Array.prototype.forEach.call(document.querySelectorAll("input[data-tag-autocomplete]"), setupTagAutocomplete);
    Array.prototype.forEach.call(document.querySelectorAll("input[data-similar-target]"), setupSimilar);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
