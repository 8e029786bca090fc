// Review desk: keyboard shortcuts, current-quote focus, and text selection → body offsets.
// No inline scripts: everything hangs off data-attributes through event delegation, so it keeps
// working after htmx swaps rows in and out, and a Content-Security-Policy can forbid inline JS.
"use strict";

(function () {
  // Lets the stylesheet fold the note fields of rows that are not being worked on.
  document.documentElement.classList.add("js-review");
  let currentPk = null;
  let pendingDispute = null;
  let lastSelection = null;
  let lastDecided = null;
  let pendingSpeakerFocus = null;
  // While a decision is on its way to the server, shortcut keys wait in order and run once the
  // row is redrawn: a fast "v then u" (or "Enter then u" after a dispute) must not be lost or
  // act on a row that is about to be replaced.
  let busy = false;
  const queuedKeys = [];

  const page = () => document.querySelector("[data-review-page]");
  const rows = () => Array.from(document.querySelectorAll("[data-quote-row]"));
  const rowFor = (pk) => document.getElementById("quote-" + pk);

  function announce(text) {
    const region = document.getElementById("review-status");
    if (region) region.textContent = text;
  }

  function isTyping(target) {
    if (!target || !target.closest) return false;
    return Boolean(target.closest("input, textarea, select, [contenteditable=''], [contenteditable='true']"));
  }

  function setCurrent(row, options) {
    const opts = Object.assign({ focus: true }, options || {});
    if (!row) return;
    rows().forEach((r) => {
      r.tabIndex = -1;
      r.classList.remove("is-current");
    });
    document.querySelectorAll("mark.hl.is-current").forEach((m) => m.classList.remove("is-current"));
    row.tabIndex = 0;
    row.classList.add("is-current");
    currentPk = row.dataset.quote;
    const mark = document.getElementById("hl-" + currentPk);
    if (mark) {
      mark.classList.add("is-current");
      mark.scrollIntoView({ block: "nearest" });
    }
    if (opts.focus) row.focus();
  }

  function currentRow() {
    const row = currentPk && rowFor(currentPk);
    if (row) return row;
    const first = rows().find((r) => r.dataset.status === "candidate") || rows()[0];
    if (first) setCurrent(first);
    return first || null;
  }

  function move(step) {
    const all = rows();
    if (!all.length) return;
    const index = all.indexOf(currentPk && rowFor(currentPk));
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
      announce((document.getElementById("review-status") || {}).textContent + " No open quotes left.");
    }
  }

  function click(row, selector, missing) {
    const button = row && row.querySelector(selector);
    if (button) {
      button.click();
    } else {
      announce(missing);
    }
  }

  function startDispute(row) {
    const note = row && row.querySelector("[data-note]");
    if (!note) {
      announce("Only editors can dispute quotes.");
      return;
    }
    pendingDispute = row.dataset.quote;
    row.classList.add("is-disputing");
    note.focus();
    announce("Type what is wrong, then press Enter to dispute. Escape cancels.");
  }

  function openSpeaker(row) {
    const details = row && row.querySelector("[data-speaker-details]");
    if (!details) {
      announce("Only editors can change speakers.");
      return;
    }
    details.open = true;
    const input = details.querySelector("[data-speaker-search]");
    if (input) {
      input.focus();
    } else {
      // Opening the <details> fetches the form (hx-trigger="toggle once"); focus it on arrival.
      pendingSpeakerFocus = "speaker-body-" + row.dataset.quote;
    }
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

  function fillSpan(form) {
    if (!lastSelection) return false;
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

  // "Use selection" buttons copy the remembered selection into their form before it submits.
  document.addEventListener("click", (event) => {
    const target = event.target;
    if (!target.closest) return;
    const useSelection = target.closest("[data-use-selection]");
    if (useSelection) {
      const form = useSelection.form;
      if (!fillSpan(form) && !form.querySelector("[data-start]").value) {
        event.preventDefault();
        announce("Select the words in the article text first.");
      }
      return;
    }
    const shortcuts = target.closest("[data-open-shortcuts]");
    if (shortcuts) {
      openShortcuts();
      return;
    }
    const openSpeakerLink = target.closest("[data-open-speaker]");
    if (openSpeakerLink) {
      event.preventDefault();
      openSpeaker(rowFor(openSpeakerLink.dataset.openSpeaker));
      return;
    }
    const mark = target.closest("mark.hl");
    if (mark && window.getSelection().isCollapsed) {
      setCurrent(rowFor(mark.dataset.quote));
      return;
    }
    const row = target.closest("[data-quote-row]");
    if (row && row.dataset.quote !== currentPk) setCurrent(row, { focus: false });
  });

  // Tabbing into another row makes it current (and unfolds its note fields). Only keyboard
  // focus: unfolding on a mouse press would move the button away before the click lands.
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
    if (pendingDispute && target.matches && target.matches("[data-note]")) {
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        const row = target.closest("[data-quote-row]");
        pendingDispute = null;
        click(row, "[data-decision='disputed']", "Only editors can dispute quotes.");
        // The note field goes away with the redrawn row; keys typed meanwhile are shortcuts.
        if (busy) row.focus();
        return;
      }
      if (event.key === "Escape") {
        pendingDispute = null;
        const row = target.closest("[data-quote-row]");
        row.classList.remove("is-disputing");
        setCurrent(row);
        announce("Dispute cancelled.");
        return;
      }
    }
    if (event.key === "Escape" && isTyping(target)) {
      const row = target.closest("[data-quote-row]");
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
    v: () => click(currentRow(), "[data-decision='verified']", "Only editors can verify quotes."),
    x: () => click(currentRow(), "[data-decision='not_a_quote']", "Only editors can review quotes."),
    d: () => startDispute(currentRow()),
    s: () => openSpeaker(currentRow()),
    u: () => {
      // Undo follows the last decision made on this page, even after focus advanced past it.
      const row = (lastDecided && rowFor(lastDecided)) || currentRow();
      if (row) setCurrent(row);
      click(row, "[data-undo]", "Nothing of yours to undo on this quote.");
    },
    a: () => click(document, "[data-add-form] [data-use-selection]", "Only editors can add quotes."),
    f: () => {
      const row = currentRow();
      const form = row && row.querySelector("[data-span-form]");
      if (!form) return announce("Only editors can fix spans.");
      if (!lastSelection) return announce("Select the words in the article text first.");
      form.closest("details").open = true;
      form.querySelector("[data-use-selection]").click();
    },
    "?": openShortcuts,
  };

  // --- htmx integration ------------------------------------------------------------------------

  let busyWatchdog = null;
  document.addEventListener("htmx:beforeRequest", (event) => {
    const elt = event.detail && event.detail.elt;
    if (!(elt && elt.closest && elt.closest("[data-quote-row]"))) return;
    busy = true;
    // Never wait forever for a redraw that does not come (a request htmx cancels, no swap).
    window.clearTimeout(busyWatchdog);
    busyWatchdog = window.setTimeout(() => requestDone({ dropQueue: true }), 10000);
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
    const status = event.detail.xhr.status;
    announce(status === 403 ? "You are not allowed to do that." : "The server could not do that (" + status + "). Nothing was changed.");
    requestDone({ dropQueue: true });
  });

  document.addEventListener("htmx:afterSettle", (event) => {
    if (pendingSpeakerFocus && event.target.id === pendingSpeakerFocus) {
      pendingSpeakerFocus = null;
      const input = event.target.querySelector("[data-speaker-search]");
      if (input) input.focus();
    }
    const status = event.detail.xhr && event.detail.xhr.status;
    if (status !== 409 && status !== 422) {
      // After quoteChanged (sent after settle) has moved the keyboard: run what was typed.
      window.setTimeout(() => requestDone(), 0);
      return;
    }
    // Put the keyboard back on the row that explains what went wrong; what was typed behind
    // the refused action is dropped, the editor reads the reason first.
    requestDone({ dropQueue: true });
    const row = event.target.closest && event.target.closest("[data-quote-row]");
    if (row) setCurrent(row);
  });

  // Sent by the server (HX-Trigger-After-Settle) after every accepted change.
  document.addEventListener("quoteChanged", (event) => {
    const detail = event.detail || {};
    const row = rowFor(detail.quote);
    pendingDispute = null;
    if (!row) return;
    if (detail.advance) {
      lastDecided = String(detail.quote);
      advanceFrom(row);
    } else {
      setCurrent(row);
    }
  });

  function focusFromHash() {
    const match = /^#quote-(\d+)$/.exec(window.location.hash);
    const explicit = page() && page().dataset.focusQuote;
    const row = match ? rowFor(match[1]) : explicit ? rowFor(explicit) : null;
    if (row) {
      setCurrent(row);
      row.scrollIntoView({ block: "center" });
    }
  }

  function init() {
    if (!page()) return;
    focusFromHash();
    // Roving tabindex: Tab reaches the list once; j/k move within it (j starts at the first).
    const first = !currentPk && rows()[0];
    if (first) first.tabIndex = 0;
  }

  window.addEventListener("hashchange", focusFromHash);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
