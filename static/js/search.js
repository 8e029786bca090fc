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
    for (const key of [...new Set(params.keys())]) {
      if (params.getAll(key).every((value) => value === "")) {
        params.delete(key);
      }
    }
  } else {
    for (const key of Object.keys(params)) {
      if (params[key] === "") {
        delete params[key];
      }
    }
  }
});
