// esco.js: the alignment pickers of the badge editor, with JavaScript on.
// "Pick from ESCO" searches as one types (GET /api/v1/esco/search, with the
// browser's session) and "Pick saved alignment" lists the organisation's
// library (GET /api/v1/orgs/{slug}/alignments); clicking a result fills the
// next empty alignment row of the form, adding a row when none is empty.
// Nothing is saved until the badge form is, except with "Save as
// template", which keeps a concept in the organisation's library (POST
// /api/v1/orgs/{slug}/alignments). "More" fetches the next page of the
// same search. Without JavaScript the editor links to picker pages that
// do the same with plain forms.
(function () {
  "use strict";

  var panel = document.getElementById("esco-panel");
  var pickers = document.getElementById("alignment-pickers");
  if (!panel || !pickers || !window.fetch || !window.URLSearchParams) {
    return;
  }
  var input = document.getElementById("esco-q");
  var language = document.getElementById("esco-language");
  var filters = document.getElementById("esco-filters");
  var status = document.getElementById("esco-status");
  var results = document.getElementById("esco-results");
  var title = document.getElementById("esco-panel-title");
  var debounceMs = 250;
  var timer = 0;
  var pending = null; // the AbortController of the request in flight

  // text is the panel's message key in the reader's language, which the
  // page writes into data-t-KEY attributes, with {name}s filled from
  // values.
  function text(key, values) {
    var s = panel.getAttribute("data-t-" + key) || key;
    // One pass, so that a value with braces in it stays as it is.
    return s.replace(/\{(\w+)\}/g, function (m, k) {
      return values && Object.prototype.hasOwnProperty.call(values, k) ? String(values[k]) : m;
    });
  }

  // The buttons replace the links to the picker pages (and, on a new
  // badge, the advice to save it first).
  while (pickers.firstChild) {
    pickers.removeChild(pickers.firstChild);
  }
  pickers.appendChild(pickerButton("pick-esco", text("pick-esco"), openSearch));
  pickers.appendChild(pickerButton("pick-saved", text("pick-saved"), openSaved));
  var hint = document.createElement("small");
  hint.className = "muted";
  hint.id = "pick-hint";
  hint.textContent = text("hint");
  pickers.appendChild(hint);

  function pickerButton(id, label, onclick) {
    var b = document.createElement("button");
    b.type = "button";
    b.id = id;
    b.className = "secondary";
    b.textContent = label;
    b.setAttribute("aria-controls", "esco-panel");
    b.addEventListener("click", onclick);
    return b;
  }

  function openSearch() {
    panel.hidden = false;
    filters.hidden = false;
    title.textContent = text("pick-esco");
    clearResults("");
    input.focus();
    if (input.value.trim()) {
      search();
    }
  }

  function openSaved() {
    panel.hidden = false;
    filters.hidden = true;
    title.textContent = text("pick-saved");
    clearResults(text("loading"));
    request(panel.getAttribute("data-saved"), function (body) {
      var list = body.items || [];
      if (!list.length) {
        clearResults(text("no-saved"));
        return;
      }
      showResults(list.map(function (a) {
        return {
          name: a.targetName, url: a.targetUrl, description: a.targetDescription || "",
          framework: a.targetFramework || "", code: a.targetCode || "",
          facts: [a.targetFramework, a.targetCode].filter(Boolean).join(" · ")
        };
      }), text(list.length === 1 ? "saved-one" : "saved-other", { count: list.length }) + " " + text("click-one"));
    });
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(search, debounceMs);
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter") {
      e.preventDefault(); // not the badge form's submit
      window.clearTimeout(timer);
      search();
    }
  });
  language.addEventListener("change", search);
  Array.prototype.forEach.call(panel.querySelectorAll(".esco-type"), function (box) {
    box.addEventListener("change", search);
  });

  // search runs the search from the first page; more (from the "More"
  // button) fetches the page at offset and adds it below.
  function search() {
    runSearch(0);
  }

  function runSearch(offset) {
    var words = input.value.trim();
    if (words.length < 2) {
      clearResults(words ? text("type-more") : "");
      return;
    }
    var params = new URLSearchParams();
    params.set("text", words);
    params.set("language", language.value);
    Array.prototype.forEach.call(panel.querySelectorAll(".esco-type:checked"), function (box) {
      params.append("type", box.value);
    });
    if (offset > 0) {
      params.set("offset", String(offset));
    }
    status.textContent = text("searching");
    request(panel.getAttribute("data-search") + "?" + params.toString(), function (body) {
      var found = text(body.total === 1 ? "found-one" : "found-other", { count: body.total });
      var said = text(body.source === "api" ? "in-esco" : "found", { found: found });
      if (body.note) {
        said = body.note + ". " + said;
      }
      if (!body.concepts.length && offset === 0) {
        clearResults(said + " " + text("try-other"));
        return;
      }
      var shown = offset + body.concepts.length;
      showResults(body.concepts.map(function (c) {
        return {
          name: c.label, url: c.uri, description: c.description || "",
          framework: c.version ? "ESCO " + c.version : "ESCO", code: c.code || "",
          facts: [typeName(c.type), c.code].filter(Boolean).join(" · "),
          template: true
        };
      }), said + " " + text("showing", { shown: shown }) + " " + text("click-one"), offset > 0);
      if (shown < body.total && body.concepts.length) {
        var li = document.createElement("li");
        li.className = "more";
        var more = document.createElement("button");
        more.type = "button";
        more.id = "esco-more";
        more.className = "secondary";
        more.textContent = text("more");
        more.addEventListener("click", function () {
          results.removeChild(li);
          runSearch(shown);
        });
        li.appendChild(more);
        results.appendChild(li);
      }
    });
  }

  // saveTemplate keeps item in the organisation's saved alignments.
  function saveTemplate(item, button) {
    button.disabled = true;
    window.fetch(panel.getAttribute("data-saved"), {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json", "Content-Type": "application/json" },
      body: JSON.stringify({
        targetName: item.name, targetUrl: item.url, targetFramework: item.framework,
        targetCode: item.code, targetDescription: item.description
      })
    }).then(function (resp) {
      return resp.json().then(function (body) {
        return { ok: resp.ok, body: body };
      });
    }).then(function (res) {
      if (!res.ok) {
        var e = res.body && res.body.error;
        button.disabled = false;
        status.textContent = text("not-saved", { why: e ? e.message : text("no-answer") });
        return;
      }
      button.textContent = text("saved-button");
      status.textContent = text("saved", { name: item.name });
    }).catch(function (err) {
      button.disabled = false;
      status.textContent = text("not-saved", { why: err && err.message ? err.message : text("no-answer") });
    });
  }

  // request GETs url as JSON with the session, the newest request only.
  function request(url, done) {
    if (pending) {
      pending.abort();
    }
    var controller = window.AbortController ? new window.AbortController() : null;
    pending = controller;
    window.fetch(url, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      signal: controller ? controller.signal : undefined
    }).then(function (resp) {
      return resp.json().then(function (body) {
        return { ok: resp.ok, body: body };
      });
    }).then(function (res) {
      if (pending !== controller) {
        return;
      }
      pending = null;
      if (!res.ok) {
        var e = res.body && res.body.error;
        clearResults(text("failed", { why: e ? (e.field ? e.field + ": " : "") + e.message : text("no-answer") }));
        return;
      }
      done(res.body);
    }).catch(function (err) {
      if (err && err.name === "AbortError") {
        return;
      }
      clearResults(text("failed", { why: err && err.message ? err.message : text("no-answer") }));
    });
  }

  function typeName(t) {
    return text(t === "skill" ? "skill" : t === "occupation" ? "occupation" : "concept");
  }

  function clearResults(message) {
    while (results.firstChild) {
      results.removeChild(results.firstChild);
    }
    status.textContent = message;
  }

  function showResults(items, message, append) {
    if (append) {
      status.textContent = message;
    } else {
      clearResults(message);
    }
    items.forEach(function (item) {
      var li = document.createElement("li");
      li.className = "partner";
      var b = document.createElement("button");
      b.type = "button";
      b.className = "secondary";
      b.textContent = item.name;
      b.addEventListener("click", function () {
        var n = fill(item);
        status.textContent = n > 0
          ? text("filled", { name: item.name, n: n })
          : text("already", { name: item.name, n: -n });
      });
      li.appendChild(b);
      if (item.facts) {
        li.appendChild(paragraph("partner-facts muted", item.facts));
      }
      if (item.description) {
        var d = item.description;
        li.appendChild(paragraph("comment", d.length > 240 ? d.slice(0, 239) + "…" : d));
      }
      if (item.template) {
        var save = document.createElement("button");
        save.type = "button";
        save.className = "secondary save-template";
        save.textContent = "Save as template";
        save.addEventListener("click", function () {
          saveTemplate(item, save);
        });
        li.appendChild(save);
      }
      results.appendChild(li);
    });
  }

  function paragraph(className, text) {
    var p = document.createElement("p");
    p.className = className;
    p.textContent = text;
    return p;
  }

  // The alignment rows of the form and their controls.
  var controls = ["name", "url", "framework", "code", "description"];

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("fieldset.alignment"));
  }

  function control(row, what) {
    return row.querySelector("[name=align_" + what + "]");
  }

  function isEmpty(row) {
    return controls.every(function (what) {
      var c = control(row, what);
      return !c || !c.value.trim();
    });
  }

  // fill puts item in the first empty row (adding one when none is) and
  // returns its number from 1, or minus the number of the row that has the
  // same URL already.
  function fill(item) {
    var all = rows();
    for (var i = 0; i < all.length; i++) {
      if (control(all[i], "url").value.trim() === item.url) {
        return -(i + 1);
      }
    }
    var row = all.filter(isEmpty)[0] || addRow(all);
    control(row, "name").value = item.name;
    control(row, "url").value = item.url;
    control(row, "framework").value = item.framework;
    control(row, "code").value = item.code;
    control(row, "description").value = item.description;
    var details = row.closest("details");
    if (details) {
      details.open = true;
    }
    return rows().indexOf(row) + 1;
  }

  // addRow copies the last row, empty, numbered after it.
  function addRow(all) {
    var last = all[all.length - 1];
    var n = all.length;
    var row = last.cloneNode(true);
    row.removeAttribute("aria-invalid");
    Array.prototype.forEach.call(row.querySelectorAll("input"), function (c) {
      c.value = "";
      c.id = c.id.replace(/-\d+$/, "-" + n);
      c.removeAttribute("autofocus");
      c.removeAttribute("aria-invalid");
    });
    Array.prototype.forEach.call(row.querySelectorAll("label"), function (l) {
      l.htmlFor = l.htmlFor.replace(/-\d+$/, "-" + n);
    });
    var legend = row.querySelector("legend");
    if (legend) {
      legend.textContent = text("alignment", { n: n + 1 });
    }
    last.parentNode.insertBefore(row, last.nextSibling);
    return row;
  }
})();
