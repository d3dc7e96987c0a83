/* Crowdfix: the post editor's enhancements (ask, answer and edit forms).
 * Every form works without this file; the server checks everything again.
 *
 * 1. Formatting toolbar: inserts Markdown   (textarea[data-editor])
 * 2. Drafts kept in this browser until posted (textarea[data-draft-key])
 * 3. Paste or drop an image to attach it     (the form's input[type=file][name=files])
 * 4. New-tag warning while typing            (input[data-tag-check-url])
 */
(function () {
  "use strict";

  function each(selector, fn) {
    Array.prototype.forEach.call(document.querySelectorAll(selector), fn);
  }

  function changed(el) {
    el.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function status(host, cls) {
    var p = document.createElement("p");
    p.className = cls;
    p.setAttribute("role", "status");
    p.setAttribute("aria-live", "polite");
    p.hidden = true;
    host.parentNode.insertBefore(p, host.nextSibling);
    return p;
  }

  /* ------------------------------------------------------- 1. toolbar */
  function replace(textarea, start, end, text, selStart, selEnd) {
    textarea.focus();
    textarea.setSelectionRange(start, end);
    // execCommand keeps the browser's undo history; setRangeText where it is missing.
    var done = false;
    try { done = document.execCommand && document.execCommand("insertText", false, text); } catch (e) { done = false; }
    if (!done || textarea.value.slice(start, start + text.length) !== text) {
      textarea.setRangeText(text, start, end, "end");
      changed(textarea);
    }
    textarea.setSelectionRange(start + selStart, start + selEnd);
  }

  function wrap(textarea, before, after, placeholder) {
    var s = textarea.selectionStart, e = textarea.selectionEnd;
    var chosen = textarea.value.slice(s, e) || placeholder;
    replace(textarea, s, e, before + chosen + after, before.length, before.length + chosen.length);
  }

  function code(textarea) {
    var s = textarea.selectionStart, e = textarea.selectionEnd;
    var chosen = textarea.value.slice(s, e);
    if (chosen.indexOf("\n") === -1) { wrap(textarea, "`", "`", "code"); return; }
    var lead = s > 0 && textarea.value[s - 1] !== "\n" ? "\n" : "";
    var text = lead + "```text\n" + chosen.replace(/\n$/, "") + "\n```\n";
    replace(textarea, s, e, text, lead.length + 8, lead.length + 8 + chosen.replace(/\n$/, "").length);
  }

  function link(textarea) {
    var s = textarea.selectionStart, e = textarea.selectionEnd;
    var label = textarea.value.slice(s, e) || "link text";
    var text = "[" + label + "](https://)";
    replace(textarea, s, e, text, label.length + 3, label.length + 11);
  }

  function prefixLines(textarea, prefix) {
    var value = textarea.value;
    var s = value.lastIndexOf("\n", textarea.selectionStart - 1) + 1;
    var e = textarea.selectionEnd;
    if (e > s && value[e - 1] === "\n") e -= 1;
    var lineEnd = value.indexOf("\n", e);
    e = lineEnd === -1 ? value.length : lineEnd;
    var n = 0;
    var text = value.slice(s, e).split("\n").map(function (line) {
      n += 1;
      return (typeof prefix === "function" ? prefix(n) : prefix) + line;
    }).join("\n");
    replace(textarea, s, e, text, text.length, text.length);
  }

  var TOOLS = [
    { name: "bold", label: "Bold", key: "b", icon: "B", run: function (t) { wrap(t, "**", "**", "bold text"); } },
    { name: "italic", label: "Italic", key: "i", icon: "I", run: function (t) { wrap(t, "_", "_", "italic text"); } },
    { name: "code", label: "Code", key: "e", icon: "</>", run: code },
    { name: "link", label: "Link", key: "k", icon: "Link", run: link },
    { name: "bullets", label: "Bulleted list", icon: "• –", run: function (t) { prefixLines(t, "- "); } },
    { name: "numbers", label: "Numbered list", icon: "1.", run: function (t) { prefixLines(t, function (n) { return n + ". "; }); } },
    { name: "quote", label: "Quote", icon: "“", run: function (t) { prefixLines(t, "> "); } }
  ];

  function setupToolbar(textarea) {
    var bar = document.createElement("div");
    bar.className = "editor-toolbar";
    bar.setAttribute("role", "toolbar");
    bar.setAttribute("aria-label", "Formatting");
    bar.setAttribute("aria-controls", textarea.id);
    var keys = {};
    TOOLS.forEach(function (tool) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "editor-toolbar__button editor-toolbar__button--" + tool.name;
      button.setAttribute("data-tool", tool.name);
      button.setAttribute("aria-label", tool.label);
      button.title = tool.label + (tool.key ? " (Ctrl+" + tool.key.toUpperCase() + ")" : "");
      // The mark is drawn by CSS (::before): the accessible name is the label alone.
      button.setAttribute("data-icon", tool.icon);
      button.addEventListener("click", function () { tool.run(textarea); });
      bar.appendChild(button);
      if (tool.key) keys[tool.key] = tool;
    });
    textarea.parentNode.insertBefore(bar, textarea);
    textarea.addEventListener("keydown", function (event) {
      if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return;
      var tool = keys[event.key.toLowerCase()];
      if (!tool) return;
      event.preventDefault();
      tool.run(textarea);
    });
    return bar;
  }

  /* -------------------------------------------------------- 2. drafts */
  var SENT = "crowdfix:drafts-sent";
  var storage = null;
  try { storage = window.localStorage; storage.getItem("x"); } catch (e) { storage = null; }

  function sentKeys() {
    try { return JSON.parse(window.sessionStorage.getItem(SENT) || "[]"); } catch (e) { return []; }
  }

  function setSent(keys) {
    try {
      if (keys.length) window.sessionStorage.setItem(SENT, JSON.stringify(keys));
      else window.sessionStorage.removeItem(SENT);
    } catch (e) { /* private mode */ }
  }

  /* A form that was sent: its draft goes once the post has succeeded (the page
     after the post came back without an error status); kept after a refusal. */
  function settleSentDrafts() {
    var keys = sentKeys();
    if (!keys.length || !storage) return;
    var nav = window.performance && performance.getEntriesByType ? performance.getEntriesByType("navigation")[0] : null;
    var code = nav && typeof nav.responseStatus === "number" && nav.responseStatus > 0 ? nav.responseStatus : null;
    var refused = code !== null ? code >= 400 : !!document.querySelector(".error-summary, .field--invalid");
    if (!refused) keys.forEach(function (key) { storage.removeItem(key); });
    setSent([]);
  }

  function draftFields(textarea) {
    var form = textarea.form;
    var fields = { body: textarea };
    if (form) {
      ["title", "tags"].forEach(function (name) {
        var el = form.elements.namedItem(name);
        if (el && el.tagName === "INPUT") fields[name] = el;
      });
    }
    return fields;
  }

  function setupDraft(textarea) {
    if (!storage || !textarea.form) return;
    var key = "crowdfix:draft:" + textarea.getAttribute("data-draft-key");
    var form = textarea.form;
    var fields = draftFields(textarea);
    var names = Object.keys(fields);
    var timer = null;
    var refused = !!(form.querySelector(".field--invalid") || document.querySelector(".error-summary"));

    function initial() {
      return names.every(function (n) { return fields[n].value === fields[n].defaultValue; });
    }

    function save() {
      if (initial() && !refused) { storage.removeItem(key); return; }
      var data = { at: new Date().toISOString() };
      names.forEach(function (n) { data[n] = fields[n].value; });
      try { storage.setItem(key, JSON.stringify(data)); } catch (e) { /* full: keep typing */ }
    }

    var saved = null;
    try { saved = JSON.parse(storage.getItem(key) || "null"); } catch (e) { saved = null; }

    if (refused) {
      save();           // the server sent the text back with an error: it is the draft
    } else if (saved && names.some(function (n) { return typeof saved[n] === "string" && saved[n] !== fields[n].value; })) {
      names.forEach(function (n) {
        if (typeof saved[n] === "string") fields[n].value = saved[n];
      });
      var note = document.createElement("p");
      note.className = "editor-draft";
      note.setAttribute("role", "status");
      var when = new Date(saved.at);
      note.appendChild(document.createTextNode(
        "Restored your unsent draft" + (isNaN(when) ? "" : " from " + when.toLocaleString()) + ". "));
      var discard = document.createElement("button");
      discard.type = "button";
      discard.className = "link-button editor-draft__discard";
      discard.textContent = "Discard draft";
      discard.addEventListener("click", function () {
        names.forEach(function (n) { fields[n].value = fields[n].defaultValue; changed(fields[n]); });
        storage.removeItem(key);
        note.remove();
        textarea.focus();
      });
      note.appendChild(discard);
      var anchor = textarea.closest(".field") || textarea;
      anchor.parentNode.insertBefore(note, anchor);
      setTimeout(function () { changed(textarea); }, 0);     // refresh the live preview
    }

    names.forEach(function (n) {
      fields[n].addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(save, 250);
      });
    });

    form.addEventListener("submit", function (event) {
      var by = event.submitter;
      if (by && (by.name === "preview" || by.name === "similar")) return;
      clearTimeout(timer);
      save();
      var keys = sentKeys();
      if (keys.indexOf(key) === -1) keys.push(key);
      setSent(keys);
    });
  }

  /* ------------------------------------------- 3. paste or drop images */
  var IMAGE_EXT = { "image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp" };

  function stamp() {
    var d = new Date();
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return d.getFullYear() + two(d.getMonth() + 1) + two(d.getDate()) + "-" +
      two(d.getHours()) + two(d.getMinutes()) + two(d.getSeconds());
  }

  function sizeText(n) {
    return n < 1024 * 1024 ? Math.max(1, Math.round(n / 1024)) + " KB" : (n / 1024 / 1024).toFixed(1) + " MB";
  }

  function setupAttach(textarea, bar) {
    var form = textarea.form;
    var input = form && form.querySelector('input[type="file"][name="files"]');
    var fieldset = input && input.closest("[data-upload-fields]");
    var maxBytes = fieldset ? Number(fieldset.getAttribute("data-max-bytes")) || 0 : 0;
    var message = status(textarea, "editor-status");
    var count = 0;

    function say(text, bad) {
      message.textContent = text;
      message.hidden = !text;
      message.classList.toggle("editor-status--error", !!bad);
    }

    function attach(files, pasted) {
      if (!files.length) return false;
      if (!input || !window.DataTransfer) {
        say("Files cannot be attached to this form. Use the post’s “Attach files” once it is saved.", true);
        return true;
      }
      var all = new DataTransfer();
      Array.prototype.forEach.call(input.files, function (f) { all.items.add(f); });
      var added = [];
      var refused = [];
      files.forEach(function (file) {
        var ext = IMAGE_EXT[file.type];
        if (pasted && !ext) { refused.push("a " + (file.type || "file") + " (only PNG, JPEG, GIF or WebP images)"); return; }
        if (maxBytes && file.size > maxBytes) { refused.push(file.name + " is " + sizeText(file.size) + ", more than " + sizeText(maxBytes)); return; }
        if (pasted) {
          count += 1;
          file = new File([file], "pasted-image-" + stamp() + (count > 1 ? "-" + count : "") + "." + ext, { type: file.type });
        }
        all.items.add(file);
        added.push(file.name + " (" + sizeText(file.size) + ")");
      });
      if (added.length) {
        input.files = all.files;
        input.dispatchEvent(new Event("change", { bubbles: true }));
      }
      var text = "";
      if (added.length) text += "Attached " + added.join(", ") + ": uploaded when you post. ";
      if (refused.length) text += "Not attached: " + refused.join("; ") + ".";
      say(text.trim(), !added.length);
      return true;
    }

    textarea.addEventListener("paste", function (event) {
      var data = event.clipboardData;
      if (!data || !data.files || !data.files.length) return;
      var images = Array.prototype.filter.call(data.files, function (f) { return /^image\//.test(f.type); });
      if (!images.length) return;
      event.preventDefault();         // keep any text part out: the image is the point
      attach(images, true);
    });

    textarea.addEventListener("dragover", function (event) {
      if (event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types || [], "Files") !== -1) {
        event.preventDefault();
        textarea.classList.add("is-dropping");
      }
    });
    textarea.addEventListener("dragleave", function () { textarea.classList.remove("is-dropping"); });
    textarea.addEventListener("drop", function (event) {
      textarea.classList.remove("is-dropping");
      var files = event.dataTransfer ? Array.prototype.slice.call(event.dataTransfer.files || []) : [];
      if (!files.length) return;
      event.preventDefault();
      attach(files, false);
    });

    if (input) input.addEventListener("change", function (event) {
      if (event.isTrusted) say("");      // the person chose files themselves
    });
  }

  /* --------------------------------------------- 4. new-tag warning */
  function setupTagCheck(input) {
    var url = input.getAttribute("data-tag-check-url");
    if (!url || !window.fetch) return;
    var field = input.closest(".field") || input.parentNode;
    var warning = document.createElement("p");
    warning.className = "field__warning";
    warning.id = input.id + "-new-tags";
    warning.setAttribute("role", "status");
    warning.setAttribute("aria-live", "polite");
    warning.hidden = true;
    field.appendChild(warning);
    var described = input.getAttribute("aria-describedby");
    input.setAttribute("aria-describedby", (described ? described + " " : "") + warning.id);
    var timer = null;
    var last = null;
    var controller = null;

    function words(all) {
      var value = input.value.toLowerCase();
      var list = value.split(/[\s,]+/).filter(Boolean);
      // While typing, the last word may be unfinished: check it once it ends.
      if (!all && document.activeElement === input && !/[\s,]$/.test(value)) list.pop();
      return list;
    }

    function check(all) {
      var list = words(all);
      var q = list.join(" ");
      if (q === last) return;
      last = q;
      if (!list.length) { warning.hidden = true; warning.textContent = ""; return; }
      if (controller) controller.abort();
      controller = window.AbortController ? new AbortController() : null;
      fetch(url + "?q=" + encodeURIComponent(q), {
        credentials: "same-origin",
        headers: { "Accept": "application/json" },
        signal: controller ? controller.signal : undefined
      })
        .then(function (r) { if (!r.ok) throw new Error("tag check"); return r.json(); })
        .then(function (json) {
          var fresh = (json.new || []);
          if (!fresh.length || json.may_create) { warning.hidden = true; warning.textContent = ""; return; }
          warning.textContent = (fresh.length === 1 ? "“" + fresh[0] + "” is not a tag yet. " :
            fresh.map(function (t) { return "“" + t + "”"; }).join(", ") + " are not tags yet. ") +
            (json.message || "") + " Choose an existing tag from the suggestions.";
          warning.hidden = false;
        })
        .catch(function () { /* the server says it again when posting */ });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { check(false); }, 400);
    });
    input.addEventListener("blur", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { check(true); }, 150);
    });
    if (input.value) check(true);
  }

  /* ----------------------------------------------------------- init */
  function init() {
    settleSentDrafts();
    each("textarea[data-editor]", function (textarea) {
      var bar = setupToolbar(textarea);
      setupAttach(textarea, bar);
      if (textarea.hasAttribute("data-draft-key")) setupDraft(textarea);
    });
    each("input[data-tag-check-url]", setupTagCheck);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
