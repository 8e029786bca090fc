// Search page: keep shareable URLs short by leaving unused filters out of live-search requests
// (and therefore out of the address bar). The plain GET form without JavaScript still works.
"use strict";
document.addEventListener("htmx:configRequest", (event) => {
  const form = document.getElementById("search-form");
  if (!form || !form.contains(event.detail.elt)) {
    return;
  }
  const params = event.detail.parameters;
  // htmx 2 passes FormData; older shapes are plain objects.
  if (params instanceof FormData) {
    // "Same quote once" is on unless turned off, and the form sends a hidden 0 before the
    // checkbox's 1: keep only "once=0", when it is off.
    if (params.has("once")) {
      const off = !params.getAll("once").includes("1");
      params.delete("once");
      if (off) {
        params.append("once", "0");
      }
    }
    for (const key of [...new Set(params.keys())]) {
      if (params.getAll(key).every((value) => value === "")) {
        params.delete(key);
      }
    }
  } else {
    if ("once" in params) {
      const once = [].concat(params.once);
      if (once.includes("1")) {
        delete params.once;
      } else {
        params.once = "0";
      }
    }
    for (const key of Object.keys(params)) {
      if (params[key] === "") {
        delete params[key];
      }
    }
  }
});
