// Choosers: an accessible modal <dialog> whose contents are server-rendered
// fragments (/admin/choose/...). The server decides what may be offered;
// this file only loads fragments and hands the chosen object back.

const dialog = () => document.getElementById("chooser");
let current = null; // { onChoose, opener }

async function load(url, options = {}) {
  const body = dialog().querySelector("[data-chooser-body]");
  const headers = { "X-Requested-With": "canopy" };
  const csrf = document.querySelector("input[name=csrf]");
  if (csrf) headers["X-CSRF-Token"] = csrf.value;
  body.setAttribute("aria-busy", "true");
  try {
    const res = await fetch(url, { credentials: "same-origin", headers, ...options });
    const html = await res.text();
    return { ok: res.ok, html };
  } catch (err) {
    return { ok: false, html: `<div class="message error" role="alert">The chooser could not be loaded: ${String(err.message || err).replace(/[<&]/g, "")}</div>` };
  } finally {
    body.removeAttribute("aria-busy");
  }
}

function fill(html) {
  const d = dialog();
  const body = d.querySelector("[data-chooser-body]");
  body.innerHTML = html;
  const title = body.querySelector("[data-chooser-title]");
  d.querySelector("#chooser-title").textContent = title ? title.textContent : "Choose";
  const chosen = body.querySelector("[data-chosen]");
  if (chosen) {
    choose(chosen.dataset);
    return;
  }
  // The search field first, wherever it is in the fragment (querySelector
  // with a list of selectors would take whichever comes first in the page).
  const first = ["[autofocus]", "input[type=search]", "button[data-choose]", "a", "button"]
    .map((sel) => body.querySelector(sel)).find((el) => el);
  if (first) first.focus();
}

function choose(data) {
  const c = current;
  current = null; // chosen: the close event has nothing left to do
  dialog().close();
  if (!c) return;
  if (c.opener && document.contains(c.opener)) c.opener.focus();
  if (c.onChoose) c.onChoose({ ...data });
}

async function navigate(url) {
  const { html } = await load(url);
  fill(html);
}

let searchTimer = 0;
async function search(form) {
  const params = new URLSearchParams(new FormData(form));
  params.set("results", "1");
  const url = `${form.action}?${params}`;
  const { html } = await load(url);
  const results = dialog().querySelector("[data-chooser-results]");
  if (results) results.innerHTML = html;
}

export function openChooser(url, onChoose) {
  const d = dialog();
  if (!d) return;
  current = { onChoose, opener: document.activeElement };
  d.querySelector("[data-chooser-body]").innerHTML = '<p class="muted">Loading…</p>';
  if (!d.open) d.showModal();
  navigate(url);
}

export function initChoosers() {
  const d = dialog();
  if (!d) return;
  d.addEventListener("close", () => {
    // Closed without choosing (Escape, the Close button): focus goes back.
    // The event comes after close(); a chooser opened since then is left alone.
    if (current && !d.open) {
      if (current.opener && document.contains(current.opener)) current.opener.focus();
      current = null;
    }
  });
  d.addEventListener("click", (e) => {
    const pick = e.target.closest("button[data-choose]");
    if (pick) {
      e.preventDefault();
      choose(pick.dataset);
      return;
    }
    const a = e.target.closest("a[href]");
    if (a && d.contains(a) && a.getAttribute("href").startsWith("/admin/choose/")) {
      e.preventDefault();
      navigate(a.getAttribute("href"));
    }
  });
  d.addEventListener("input", (e) => {
    const form = e.target.closest("form[data-chooser-search]");
    if (!form) return;
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => search(form), 200);
  });
  d.addEventListener("change", (e) => {
    const form = e.target.closest("form[data-chooser-search]");
    if (form && e.target.tagName === "SELECT") search(form);
  });
  d.addEventListener("submit", async (e) => {
    const form = e.target;
    if (form.matches("[data-chooser-search]")) {
      e.preventDefault();
      search(form);
      return;
    }
    if (form.matches("[data-chooser-link]")) {
      // External URL, email or anchor links are made here: nothing to ask the server.
      e.preventDefault();
      const kind = form.dataset.chooserLink;
      const value = (form.elements.value.value || "").trim();
      const text = (form.elements.text && form.elements.text.value.trim()) || "";
      const err = form.querySelector("[data-link-error]");
      let href = "";
      if (kind === "url" && /^(https?:\/\/|\/)[^\s]+$/i.test(value)) href = value;
      if (kind === "email" && /^[^\s@]+@[^\s@]+$/.test(value)) href = `mailto:${value}`;
      if (kind === "anchor" && /^#?[A-Za-z][\w:.-]*$/.test(value)) href = value.startsWith("#") ? value : `#${value}`;
      if (!href) {
        err.hidden = false;
        form.elements.value.setAttribute("aria-invalid", "true");
        form.elements.value.focus();
        return;
      }
      choose({ href, title: text || value });
      return;
    }
    if (form.matches("[data-chooser-post]")) {
      e.preventDefault();
      const { html } = await load(form.action, { method: "POST", body: new FormData(form) });
      fill(html);
    }
  });

  // Reference fields: a hidden id, a label, Choose and Clear buttons.
  document.querySelectorAll("[data-chooser-field]").forEach((field) => {
    const input = field.querySelector("[data-chooser-input]");
    const label = field.querySelector("[data-chooser-label]");
    const chooseBtn = field.querySelector("[data-chooser]");
    const clearBtn = field.querySelector("[data-chooser-clear]");
    const idLabel = field.querySelector("[data-chooser-idlabel]");
    if (!input || !chooseBtn) return;
    input.type = "hidden";
    if (idLabel) idLabel.hidden = true;
    chooseBtn.hidden = false;
    const sync = () => { if (clearBtn) clearBtn.hidden = !input.value; };
    sync();
    chooseBtn.addEventListener("click", () => {
      openChooser(chooseBtn.dataset.chooser, (data) => {
        input.value = data.id;
        label.replaceChildren();
        if (data.thumb) {
          const img = document.createElement("img");
          img.src = data.thumb;
          img.alt = "";
          label.append(img);
        }
        const span = document.createElement("span");
        span.textContent = data.title;
        label.append(span);
        sync();
        input.dispatchEvent(new Event("canopy:changed", { bubbles: true }));
      });
    });
    if (clearBtn) clearBtn.addEventListener("click", () => {
      input.value = "";
      label.replaceChildren(Object.assign(document.createElement("span"), { className: "muted", textContent: "Nothing chosen" }));
      sync();
      input.dispatchEvent(new Event("canopy:changed", { bubbles: true }));
      chooseBtn.focus();
    });
  });
}
