// Review desk: keyboard shortcuts, the current quote, the action panel that follows it, and
// text selection → body offsets.
// No inline scripts: everything hangs off data-attributes through event delegation, so it keeps
// working after htmx swaps rows in and out, and a Content-Security-Policy can forbid inline JS.
//
// The page has one copy of each action form (#action-panel). The server renders it for the
// selected quote (?quote=<pk>, or the first open one), which is all a browser without JavaScript
// needs; here the panel follows the quote selected with j/k or a click: its forms take that
// quote's URLs, version and state from the row's data-attributes, with no request.
"use strict";

(function () {
  let currentPk = null;
  let pendingDispute = null;
  let lastSelection = null;
  let lastDecided = null;
  // While a decision is on its way to the server, shortcut keys wait in order and run once the
  // row is redrawn: a fast "v then u" (or "Enter then u" after a dispute) must not be lost or
  // act on a row that is about to be replaced.
  let busy = false;
  let busyWatchdog = null;
  const queuedKeys = [];
  // Notes typed for a quote and left for another one, by quote, until decided or the page goes.
  const drafts = new Map();

  const page = () => document.querySelector("[data-review-page]");
  // A page that opened with no quotes has a placeholder until the first candidates arrive.
  const panel = () => document.querySelector("#action-panel[data-action-panel]");
  const rows = () => Array.from(document.querySelectorAll("[data-quote-row]"));
  const rowFor = (pk) => (pk ? document.getElementById("quote-" + pk) : null);

  function announce(text) {
    const region = document.getElementById("review-status");
    if (region) region.textContent = text;
  }

  function isTyping(target) {
    if (!target || !target.closest) return false;
    return Boolean(target.closest("input, textarea, select, [contenteditable=''], [contenteditable='true']"));
  }

  // --- the action panel ------------------------------------------------------------------------

  function field(selector) {
    const box = panel();
    return box ? box.querySelector(selector) : null;
  }

  function clearErrors(box) {
    box.querySelectorAll("[data-form-errors]").forEach((node) => node.remove());
    box.querySelectorAll("[aria-invalid]").forEach((node) => {
      node.removeAttribute("aria-invalid");
      node.removeAttribute("aria-describedby");
    });
  }

  function saveDraft(box) {
    const note = box.querySelector("[data-note]");
    const evidence = box.querySelector("[data-evidence]");
    if (!note || !evidence) return;
    if (note.value || evidence.value) {
      drafts.set(box.dataset.quote, { note: note.value, evidence: evidence.value });
    } else {
      drafts.delete(box.dataset.quote);
    }
  }

  // Point every panel form at the row's quote (its data-panel: label, start, end, mention,
  // speaker, undo). Inputs typed for another quote are put away as a draft; for the same quote
  // they stay (a refusal redrew the panel with the editor's input).
  function bindPanel(row) {
    const box = panel();
    if (!box || !row) return;
    const pk = row.dataset.quote;
    const quote = JSON.parse(row.dataset.panel);
    const sameQuote = box.dataset.quote === pk;
    const sameVersion = sameQuote && box.dataset.version === row.dataset.version;
    if (!sameQuote) {
      saveDraft(box);
      clearErrors(box);
      const draft = drafts.get(pk) || { note: "", evidence: "" };
      box.querySelector("[data-note]").value = draft.note;
      box.querySelector("[data-evidence]").value = draft.evidence;
      clearReason();
    }
    box.dataset.quote = pk;
    box.dataset.version = row.dataset.version;
    box.querySelectorAll("form[data-action-pattern]").forEach((form) => {
      form.setAttribute("action", form.dataset.actionPattern.replace("{pk}", pk));
      if (form.hasAttribute("data-targets-row")) form.setAttribute("hx-target", "#quote-" + pk);
    });
    box.querySelectorAll("input[name=version]").forEach((input) => {
      input.value = row.dataset.version;
    });
    box.querySelector("[data-panel-label]").textContent = quote.label;
    box.querySelector("[data-decision='reopen']").hidden = row.dataset.status === "candidate";
    box.querySelector("[data-undo-form]").hidden = !quote.undo;
    box.querySelector("[data-remove-speaker]").hidden = !quote.speaker;
    if (!sameVersion) {
      // The quote changed (or is another one): its speaker and span fields start from it again.
      box.querySelector("[data-speaker-search]").value = "";
      box.querySelector("#speaker-results").textContent = "";
      box.querySelector("[data-speaker-name]").value = quote.mention;
      box.querySelector("[data-span-form] [data-start]").value = quote.start;
      box.querySelector("[data-span-form] [data-end]").value = quote.end;
    }
  }

  // A decision used the note: it must not come back as a draft.
  function forgetNote(pk) {
    drafts.delete(String(pk));
    const box = panel();
    if (box && box.dataset.quote === String(pk)) {
      box.querySelector("[data-note]").value = "";
      box.querySelector("[data-evidence]").value = "";
      clearReason();
    }
  }

  // Only a dispute takes a reason (the server refuses one with any other decision).
  function clearReason() {
    const box = panel();
    if (!box) return;
    box.querySelectorAll("[data-reasons] input").forEach((input) => {
      input.checked = false;
    });
  }

  function chooseReason(key) {
    const input = field("[data-reasons] input[data-reason-key='" + key + "']");
    if (!input) return false;
    input.checked = true;
    field("[data-note]").focus();
    announce("Reason: " + input.parentElement.textContent.trim().replace(/^\d\s*/, "") + ". Type what is wrong, then press Enter to dispute.");
    return true;
  }

  // --- the current quote -----------------------------------------------------------------------

  // Options: focus (the row takes the keyboard), remember (the URL says which quote it is),
  // scroll (the row and its highlight are scrolled into view).
  function setCurrent(row, options) {
    const opts = Object.assign({ focus: true, remember: true, scroll: true }, options || {});
    if (!row) return;
    rows().forEach((r) => {
      r.tabIndex = -1;
      r.classList.remove("is-current");
    });
    document.querySelectorAll("mark.hl.is-current").forEach((m) => m.classList.remove("is-current"));
    row.tabIndex = 0;
    row.classList.add("is-current");
    currentPk = row.dataset.quote;
    bindPanel(row);
    const mark = document.getElementById("hl-" + currentPk);
    if (mark) {
      mark.classList.add("is-current");
      if (opts.scroll) mark.scrollIntoView({ block: "nearest" });
    }
    if (opts.focus) row.focus({ preventScroll: !opts.scroll });
    if (!opts.remember) return;
    // A reload comes back to this quote (the same URL a browser without JavaScript uses).
    const url = new URL(window.location.href);
    if (url.searchParams.get("quote") !== currentPk || url.hash !== "#quote-" + currentPk) {
      url.searchParams.set("quote", currentPk);
      url.hash = "quote-" + currentPk;
      window.history.replaceState(window.history.state, "", url);
    }
  }

  function currentRow() {
    const row = rowFor(currentPk);
    if (row) return row;
    const first = rows().find((r) => r.dataset.status === "candidate") || rows()[0];
    if (first) setCurrent(first);
    return first || null;
  }

  function move(step) {
    const all = rows();
    if (!all.length) return;
    const index = all.indexOf(rowFor(currentPk));
    const next = index < 0 ? (step > 0 ? 0 : all.length - 1) : Math.min(Math.max(index + step, 0), all.length - 1);
    setCurrent(all[next]);
  }

  function advanceFrom(row) {
    const all = rows();
    const index = all.indexOf(row);
    const after = all.slice(index + 1).concat(all.slice(0, Math.max(index, 0)));
    const next = after.find((r) => r.dataset.status === "candidate");
    if (next) {
      setCurrent(next);
    } else {
      setCurrent(row);
      announce((document.getElementById("review-status") || {}).textContent + " No candidates left.");
    }
  }

  // Press a panel button for the current quote (the panel is bound to it).
  function press(selector, missing) {
    const button = field(selector);
    if (button && !button.hidden && !(button.form && button.form.hidden)) {
      button.click();
    } else {
      announce(missing);
    }
  }

  function startDispute(row) {
    const note = field("[data-note]");
    if (!note || !row) {
      announce("Only editors can dispute quotes.");
      return;
    }
    pendingDispute = row.dataset.quote;
    panel().classList.add("is-disputing");
    const reasons = field("[data-reasons]");
    const chosen = reasons && (reasons.querySelector("input:checked") || reasons.querySelector("input"));
    if (chosen) chosen.focus();
    else note.focus();
    announce("Press 1 to 5 for the reason (1 wrong words, 2 wrong speaker, 3 out of context, 4 never said, 5 cannot confirm), type the note, then Enter. Escape cancels.");
  }

  function endDispute() {
    pendingDispute = null;
    const box = panel();
    if (box) box.classList.remove("is-disputing");
  }

  function openSpeaker(row) {
    const details = field("[data-speaker-details]");
    if (!details || !row) {
      announce("Only editors can change speakers.");
      return;
    }
    details.open = true;
    details.querySelector("[data-speaker-search]").focus();
  }

  function openShortcuts() {
    const dialog = document.getElementById("shortcuts-dialog");
    if (dialog && !dialog.open) dialog.showModal();
  }

  // --- selection → character offsets -----------------------------------------------------------

  // data-offset counts Python characters (code points); DOM offsets count UTF-16 units.
  function codePoints(text) {
    return Array.from(text).length;
  }

  function pointToOffset(node, offset, body, preferEnd) {
    const element = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
    const seg = element && element.closest(".seg");
    if (seg && node.nodeType === Node.TEXT_NODE && body.contains(seg)) {
      return Number(seg.dataset.offset) + codePoints(node.data.slice(0, offset));
    }
    // The point sits outside the text (a label, a paragraph edge): snap to the nearest segment.
    const probe = document.createRange();
    probe.setStart(node, offset);
    const segs = Array.from(body.querySelectorAll(".seg"));
    if (preferEnd) {
      let last = 0;
      for (const s of segs) {
        if (probe.comparePoint(s, 0) > 0) break;
        last = Number(s.dataset.offset) + codePoints(s.textContent);
      }
      return last;
    }
    for (const s of segs) {
      if (probe.comparePoint(s, 0) >= 0) return Number(s.dataset.offset);
    }
    return Number(body.dataset.bodyLength);
  }

  function readSelection() {
    const body = document.querySelector("[data-article-body]");
    const selection = window.getSelection();
    if (!body || !selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
    const range = selection.getRangeAt(0);
    if (!body.contains(range.commonAncestorContainer)) return null;
    const start = pointToOffset(range.startContainer, range.startOffset, body, false);
    const end = pointToOffset(range.endContainer, range.endOffset, body, true);
    return end > start ? { start: start, end: end } : null;
  }

  // The selection as it is now. `selectionchange` fires as a task of its own, and the browser
  // may run a key press queued after a selection before it: read the selection itself first.
  function currentSelection() {
    const found = readSelection();
    if (found) lastSelection = found;
    return lastSelection;
  }

  function fillSpan(form) {
    if (!currentSelection()) return false;
    form.querySelector("[data-start]").value = lastSelection.start;
    form.querySelector("[data-end]").value = lastSelection.end;
    return true;
  }

  document.addEventListener("selectionchange", () => {
    const found = readSelection();
    if (!found) return;
    lastSelection = found;
    const status = document.querySelector("[data-selection-status]");
    if (status) status.textContent = "Selected characters " + found.start + "–" + found.end + ".";
  });

  // --- clicks ----------------------------------------------------------------------------------

  document.addEventListener("click", (event) => {
    const target = event.target;
    if (!target.closest) return;
    // "Use selection" buttons copy the remembered selection into their form before it submits.
    const useSelection = target.closest("[data-use-selection]");
    if (useSelection) {
      const form = useSelection.form;
      if (!fillSpan(form) && !form.querySelector("[data-start]").value) {
        event.preventDefault();
        announce("Select the words in the article text first.");
      }
      return;
    }
    if (target.closest("[data-open-shortcuts]")) {
      openShortcuts();
      return;
    }
    const openSpeakerLink = target.closest("[data-open-speaker]");
    if (openSpeakerLink) {
      event.preventDefault();
      const row = rowFor(openSpeakerLink.dataset.openSpeaker);
      setCurrent(row, { focus: false });
      openSpeaker(row);
      return;
    }
    const mark = target.closest("mark.hl");
    if (mark && window.getSelection().isCollapsed) {
      setCurrent(rowFor(mark.dataset.quote));
      return;
    }
    const row = target.closest("[data-quote-row]");
    if (!row) return;
    // The row's title links to ?quote=<pk>, which selects it without JavaScript; here a click
    // anywhere on the row selects it in place.
    if (target.closest("[data-select-quote]")) {
      event.preventDefault();
      setCurrent(row);
      return;
    }
    if (row.dataset.quote !== currentPk) setCurrent(row, { focus: false });
  });

  // Tabbing into another row makes it current. Only keyboard focus: a mouse press is handled
  // by the click above.
  document.addEventListener("focusin", (event) => {
    const target = event.target;
    if (!target.closest || !target.matches(":focus-visible")) return;
    const row = target.closest("[data-quote-row]");
    if (row && row.dataset.quote !== currentPk) setCurrent(row, { focus: false });
  });

  // --- keyboard --------------------------------------------------------------------------------

  document.addEventListener("keydown", (event) => {
    if (!page()) return;
    const target = event.target;
    const inReasons = target.closest && target.closest("[data-reasons]");
    if (pendingDispute && inReasons && /^[1-9]$/.test(event.key)) {
      event.preventDefault();
      if (!chooseReason(event.key)) announce("There is no reason " + event.key + ".");
      return;
    }
    if (pendingDispute && target.matches && (target.matches("[data-note]") || inReasons)) {
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        const row = rowFor(pendingDispute);
        endDispute();
        press("[data-decision='disputed']", "Only editors can dispute quotes.");
        // Keys typed while the dispute is saved are shortcuts, not more note.
        if (row) row.focus();
        return;
      }
      if (event.key === "Escape") {
        const row = rowFor(pendingDispute);
        endDispute();
        clearReason();
        if (row) setCurrent(row);
        announce("Dispute cancelled.");
        return;
      }
    }
    if (event.key === "Escape" && isTyping(target)) {
      const row = target.closest("[data-quote-row]") || (target.closest("[data-action-panel]") && rowFor(currentPk));
      if (row) setCurrent(row);
      return;
    }
    if (isTyping(target) || event.ctrlKey || event.metaKey || event.altKey) return;
    if (document.querySelector("dialog[open]")) return;
    if (!(event.key in shortcuts)) return;
    event.preventDefault();
    if (busy && event.key !== "?") {
      queuedKeys.push(event.key);
      return;
    }
    shortcuts[event.key]();
  });

  function replayQueuedKeys() {
    while (!busy && queuedKeys.length) shortcuts[queuedKeys.shift()]();
  }

  function requestDone(options) {
    if (!busy) return;
    busy = false;
    window.clearTimeout(busyWatchdog);
    if (options && options.dropQueue && queuedKeys.length) {
      queuedKeys.length = 0;
      return;
    }
    replayQueuedKeys();
  }

  const shortcuts = {
    j: () => move(1),
    k: () => move(-1),
    v: () => currentRow() && (clearReason(), press("[data-decision='verified']", "Only editors can verify quotes.")),
    x: () => currentRow() && (clearReason(), press("[data-decision='not_a_quote']", "Only editors can review quotes.")),
    d: () => startDispute(currentRow()),
    s: () => openSpeaker(currentRow()),
    u: () => {
      // Undo follows the last decision made on this page, even after focus advanced past it.
      const row = rowFor(lastDecided) || currentRow();
      if (row) setCurrent(row);
      press("[data-undo]", "Nothing of yours to undo on this quote.");
    },
    a: () => {
      const button = document.querySelector("[data-add-form] [data-use-selection]");
      if (button) button.click();
      else announce("Only editors can add quotes.");
    },
    f: () => {
      const form = currentRow() && field("[data-span-form]");
      if (!form) return announce("Only editors can fix spans.");
      if (!currentSelection()) return announce("Select the words in the article text first.");
      form.closest("details").open = true;
      form.querySelector("[data-use-selection]").click();
    },
    "?": openShortcuts,
  };

  // --- htmx integration ------------------------------------------------------------------------

  // Panel forms post to the quote they are bound to (htmx read hx-post when the page loaded).
  document.addEventListener("htmx:configRequest", (event) => {
    const elt = event.detail.elt;
    if (elt && elt.matches && elt.matches("[data-action-panel] form[data-action-pattern]")) {
      event.detail.path = elt.getAttribute("action");
    }
  });

  document.addEventListener("htmx:beforeRequest", (event) => {
    const detail = event.detail || {};
    const elt = detail.elt;
    if (!(elt && elt.closest && elt.closest("[data-quote-row], [data-action-panel]"))) return;
    if (detail.requestConfig && detail.requestConfig.verb === "get") return; // reads never wait
    busy = true;
    // Never wait forever for a redraw that does not come (a request htmx cancels, no swap).
    window.clearTimeout(busyWatchdog);
    busyWatchdog = window.setTimeout(() => requestDone({ dropQueue: true }), 10000);
  });

  // --- live updates ---------------------------------------------------------------------------

  // The poller (#live-updates, partials/article_live.html) asks every few seconds what changed;
  // the answer swaps rows, or the lists and the text, out of band. It waits while the editor is
  // mid-action: a decision on its way, a dispute being typed, words selected in the text.
  let liveHadFocus = false;
  let liveHadRows = false;
  const isPoll = (event) => Boolean(event.detail && event.detail.elt && event.detail.elt.matches && event.detail.elt.matches("[data-live-updates]"));

  // Counts the editor's write requests, so a poll answered after one started is known stale.
  let actionsStarted = 0;
  let pollSentAfter = 0;
  const selectingText = () => {
    const body = document.querySelector("[data-article-body]");
    const selection = window.getSelection();
    return Boolean(body && selection && !selection.isCollapsed && selection.rangeCount && body.contains(selection.getRangeAt(0).commonAncestorContainer));
  };
  const editorMidAction = () => busy || pendingDispute || selectingText();

  document.addEventListener("htmx:beforeRequest", (event) => {
    if (isPoll(event)) {
      if (editorMidAction() || document.hidden) {
        event.preventDefault();
      } else {
        pollSentAfter = actionsStarted;
      }
    } else if (busy) {
      actionsStarted += 1;
    }
  });

  document.addEventListener("htmx:beforeSwap", (event) => {
    if (!isPoll(event)) return;
    // A poll sent before the editor began something (selecting words for a span fix, a
    // decision on its way) must not redraw under them: its swap would drop the selection or
    // race the action's own answer. Dropped, the poller keeps its old token, so the next poll
    // brings everything since.
    if (editorMidAction() || pollSentAfter !== actionsStarted) {
      event.detail.shouldSwap = false;
      return;
    }
    const active = document.activeElement;
    liveHadFocus = !active || active === document.body || Boolean(active.matches && active.matches("[data-quote-row]"));
    liveHadRows = rows().length > 0;
  });

  // Sent by the server after a poll's swap settled: put the editor back where they were.
  document.addEventListener("liveUpdated", (event) => {
    if (editorMidAction()) return; // its swap was dropped (above)
    const all = rows();
    const row = rowFor(currentPk) || all.find((r) => r.dataset.status === "candidate") || all[0];
    if (!row) return;
    setCurrent(row, { focus: liveHadFocus, scroll: false, remember: false });
    if ((event.detail || {}).layout && !liveHadRows) {
      announce("Pre-highlighting finished: " + all.length + " quote" + (all.length === 1 ? "" : "s") + " found.");
    }
  });

  // A failed request redraws nothing, so the keys queued behind it would act on stale rows.
  document.addEventListener("htmx:sendError", () => requestDone({ dropQueue: true }));

  // A refused action (409 conflict, 422 invalid) still carries the redrawn row: swap it in.
  document.addEventListener("htmx:beforeSwap", (event) => {
    const status = event.detail.xhr.status;
    if (status === 409 || status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:responseError", (event) => {
    if (isPoll(event)) return; // the next poll tries again
    const status = event.detail.xhr.status;
    announce(status === 403 ? "You are not allowed to do that." : "The server could not do that (" + status + "). Nothing was changed.");
    requestDone({ dropQueue: true });
  });

  document.addEventListener("htmx:afterSettle", (event) => {
    const status = event.detail.xhr && event.detail.xhr.status;
    if (status !== 409 && status !== 422) {
      // After quoteChanged (sent after settle) has moved the keyboard: run what was typed.
      window.setTimeout(() => requestDone(), 0);
      return;
    }
    // Put the keyboard back on the row that explains what went wrong (the panel came back
    // for it with the input and the errors); what was typed behind the refused action is
    // dropped, the editor reads the reason first.
    requestDone({ dropQueue: true });
    const row = event.target.closest && event.target.closest("[data-quote-row]");
    if (row) setCurrent(row);
  });

  // Sent by the server (HX-Trigger-After-Settle) after every accepted change.
  document.addEventListener("quoteChanged", (event) => {
    const detail = event.detail || {};
    const row = rowFor(detail.quote);
    endDispute();
    if (!row) return;
    if (detail.advance) {
      lastDecided = String(detail.quote);
      forgetNote(detail.quote);
      advanceFrom(row);
    } else {
      setCurrent(row);
    }
  });

  // The quote to start at: #quote-<pk>, else the one the server selected (?quote=<pk>, or the
  // first open quote). A quote the URL names is scrolled to; the first open one only in the
  // list, so the page still opens at the article's head.
  function selectFromLocation() {
    const match = /^#quote-(\d+)$/.exec(window.location.hash);
    const named = rowFor(match && match[1]) || (new URL(window.location.href).searchParams.has("quote") && rowFor(page().dataset.selected));
    const row = named || rowFor(page().dataset.selected);
    if (named) {
      setCurrent(row, { remember: false });
      row.scrollIntoView({ block: "center" });
    } else if (row) {
      setCurrent(row, { remember: false, scroll: false });
      const list = row.closest(".quote-lists");
      if (list) list.scrollTop += row.getBoundingClientRect().top - list.getBoundingClientRect().top - 8;
    } else {
      const first = rows()[0];
      if (first) first.tabIndex = 0; // roving tabindex: Tab reaches the list once
    }
  }

  function init() {
    if (!page()) return;
    // Tells the stylesheet that the current quote is marked by class, not by the URL's #target.
    document.documentElement.classList.add("js-review");
    selectFromLocation();
  }

  window.addEventListener("hashchange", () => page() && selectFromLocation());
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
