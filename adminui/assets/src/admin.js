// Canopy admin: small progressive enhancements. Every screen works without
// this file; it adds tabs, choosers in dialogs, a warning before leaving
// unsaved changes, and menu niceties. The rich-text editor is editor.js,
// loaded only by screens that edit rich text. No inline scripts: everything
// hooks onto data- attributes.
import { initChoosers } from "./chooser.js";

function ready(fn) {
  if (document.readyState !== "loading") fn();
  else document.addEventListener("DOMContentLoaded", fn);
}

// Dropdowns (<details>): Escape closes and returns focus; a click outside closes.
function initDropdowns() {
  document.addEventListener("keydown", (e) => {
    if (e.key !== "Escape") return;
    const open = document.querySelector("details.dropdown[open]");
    if (open) {
      open.removeAttribute("open");
      open.querySelector("summary").focus();
    }
  });
  document.addEventListener("click", (e) => {
    document.querySelectorAll("details.dropdown[open]").forEach((d) => {
      if (!d.contains(e.target)) d.removeAttribute("open");
    });
  });
  document.addEventListener("toggle", (e) => {
    const d = e.target;
    if (!(d instanceof HTMLDetailsElement) || !d.open || !d.classList.contains("dropdown")) return;
    document.querySelectorAll("details.dropdown[open]").forEach((o) => { if (o !== d) o.removeAttribute("open"); });
  }, true);
}

// tabName is a tab panel's name in the address: its id without "tab-".
function tabName(panel) {
  return panel.id.replace(/^tab-/, "");
}

// Tabs: [data-tabs] holding [data-tab-panel] sections with a data-tab-label.
// Without JavaScript every panel shows, one after the other.
function initTabs() {
  document.querySelectorAll("[data-tabs]").forEach((root, n) => {
    const panels = [...root.querySelectorAll(":scope > [data-tab-panel]")];
    if (panels.length < 2) return;
    document.documentElement.classList.add("js");
    const list = document.createElement("div");
    list.setAttribute("role", "tablist");
    list.setAttribute("aria-label", root.dataset.tabs || "Sections");
    let remember = true;
    const tabs = panels.map((panel, i) => {
      const tab = document.createElement("button");
      tab.type = "button";
      tab.setAttribute("role", "tab");
      tab.id = `tab-${n}-${i}`;
      panel.id = panel.id || `panel-${n}-${i}`;
      tab.setAttribute("aria-controls", panel.id);
      panel.setAttribute("role", "tabpanel");
      panel.setAttribute("aria-labelledby", tab.id);
      tab.textContent = panel.dataset.tabPanel;
      const errors = panel.querySelectorAll(".field-error").length;
      if (errors) {
        const dot = document.createElement("span");
        dot.className = "err-dot";
        dot.textContent = String(errors);
        dot.setAttribute("aria-label", `${errors} error${errors === 1 ? "" : "s"}`);
        tab.append(" ", dot);
      }
      tab.addEventListener("click", () => select(i, true));
      tab.addEventListener("keydown", (e) => {
        const k = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
        if (k) { e.preventDefault(); select((i + k + panels.length) % panels.length, true); }
        if (e.key === "Home") { e.preventDefault(); select(0, true); }
        if (e.key === "End") { e.preventDefault(); select(panels.length - 1, true); }
      });
      list.append(tab);
      return tab;
    });
    function select(i, focus) {
      tabs.forEach((t, j) => {
        t.setAttribute("aria-selected", String(i === j));
        t.tabIndex = i === j ? 0 : -1;
        panels[j].hidden = i !== j;
      });
      if (focus) tabs[i].focus();
      // The address remembers a tab the user chose, as #tab=NAME: no element
      // has that id, so the browser never scrolls to it when the page loads.
      if (root.id && remember) history.replaceState(null, "", i === 0 ? location.pathname + location.search : `#tab=${tabName(panels[i])}`);
    }
    root.prepend(list);
    // Start on the first tab with an error, else the one in the address
    // (#tab=NAME, or #tab-NAME as addresses had it), else the first.
    const hash = decodeURIComponent(location.hash.slice(1));
    let start = panels.findIndex((p) => p.querySelector(".field-error"));
    if (start < 0) start = Math.max(0, panels.findIndex((p) => hash === `tab=${tabName(p)}` || hash === p.id));
    remember = false;
    select(start, false);
    remember = true;
    // An address naming a panel by its id would make the browser scroll to
    // it once the page has loaded: write it the new way at once.
    if (root.id && panels.some((p) => hash === p.id)) history.replaceState(null, "", start === 0 ? location.pathname + location.search : `#tab=${tabName(panels[start])}`);
    // A link to a field (the error summary) opens its tab first.
    document.addEventListener("click", (e) => {
      const a = e.target.closest("a[href^='#']");
      if (!a) return;
      const target = document.getElementById(a.getAttribute("href").slice(1));
      const i = panels.findIndex((p) => p.contains(target));
      if (i >= 0) {
        select(i, false);
        e.preventDefault();
        target.focus();
        target.scrollIntoView({ block: "center" });
      }
    });
  });
}

// Forms marked data-dirty-check warn before the page is left with unsaved changes.
function initDirtyCheck() {
  const forms = [...document.querySelectorAll("form[data-dirty-check]")];
  if (!forms.length) return;
  let dirty = forms.some((f) => f.dataset.dirty === "true");
  let submitting = false;
  forms.forEach((f) => {
    f.addEventListener("input", () => { dirty = true; });
    f.addEventListener("change", () => { dirty = true; });
    f.addEventListener("canopy:changed", () => { dirty = true; });
    f.addEventListener("submit", (e) => {
      // Preview opens elsewhere and saves nothing: the form stays dirty.
      const s = e.submitter;
      if (!(s && s.formTarget)) submitting = true;
    });
  });
  window.addEventListener("beforeunload", (e) => {
    if (dirty && !submitting) {
      e.preventDefault();
      e.returnValue = "";
    }
  });
}

// Confirm buttons: data-confirm="message".
function initConfirm() {
  document.addEventListener("click", (e) => {
    const b = e.target.closest("[data-confirm]");
    if (b && !window.confirm(b.dataset.confirm)) e.preventDefault();
  });
}

// The error summary takes focus so that screen readers announce it; else a
// form marked data-focus-first, opened at its top, focuses its first field.
function focusErrors() {
  const s = document.querySelector("[data-error-summary]");
  // After the page's first paint, so that nothing set up later takes it back.
  if (s) {
    requestAnimationFrame(() => s.focus());
    return;
  }
  const form = document.querySelector("form[data-focus-first]");
  if (!form) return;
  requestAnimationFrame(() => {
    const field = [...form.querySelectorAll("input:not([type=hidden]), textarea:not([hidden]), select, .ProseMirror")]
      .find((el) => !el.disabled && el.getClientRects().length > 0 && !el.closest("[hidden], .action-bar"));
    // Without scrolling: the page stays where it opened (its top, or where
    // the browser restores it on Back), and a click already under way is not
    // moved away from its target.
    if (field && scrollY === 0 && (!document.activeElement || document.activeElement === document.body)) field.focus({ preventScroll: true });
  });
}

// On a phone the header folds the side navigation, search and account
// behind one button (.js only: without JavaScript everything shows).
function initHeader() {
  const header = document.querySelector("header.topbar");
  const toggle = header && header.querySelector("[data-menu-toggle]");
  if (!toggle) return;
  const root = document.documentElement;
  const set = (open) => {
    root.classList.toggle("nav-open", open);
    toggle.setAttribute("aria-expanded", String(open));
  };
  toggle.addEventListener("click", () => set(!root.classList.contains("nav-open")));
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && root.classList.contains("nav-open")) {
      set(false);
      toggle.focus();
    }
  });
}

// Hide menu / Show menu on wide screens: at once, and remembered for the
// person in the background (the forms work without JavaScript too).
function initNavToggle() {
  document.addEventListener("submit", (e) => {
    const form = e.target.closest("form[data-nav-form]");
    if (!form) return;
    e.preventDefault();
    const collapsed = form.elements.collapsed.value === "1";
    document.documentElement.classList.toggle("nav-hidden", collapsed);
    fetch(form.action, { method: "POST", body: new URLSearchParams(new FormData(form)), credentials: "same-origin",
      headers: { "X-Requested-With": "canopy" } });
    const other = document.querySelector(collapsed ? ".nav-show button" : ".nav-hide button");
    if (other) other.focus();
  });
}

// Dialogs: [data-close-dialog] closes its dialog.
function initDialogs() {
  document.addEventListener("click", (e) => {
    const b = e.target.closest("[data-close-dialog]");
    if (b) b.closest("dialog").close();
  });
}

// Keyboard shortcuts, for those who keep them on (account preferences):
// "/" focuses the search, "?" lists the shortcuts, Ctrl+S or ⌘S saves the
// draft being edited. The single keys never fire while typing.
function initShortcuts() {
  if (document.documentElement.dataset.shortcuts !== "on") return;
  const typing = (el) => el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  document.addEventListener("keydown", (e) => {
    if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === "s") {
      const save = document.querySelector('button[name=action][value=save]');
      if (save) {
        e.preventDefault();
        save.click();
      }
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target) || document.querySelector("dialog[open]")) return;
    if (e.key === "/") {
      const search = document.querySelector("#shell-search");
      if (search && search.getClientRects().length > 0) {
        e.preventDefault();
        search.focus();
      } else {
        e.preventDefault();
        location.href = "/admin/search/";
      }
    } else if (e.key === "?") {
      const d = document.querySelector("#shortcuts");
      if (d) {
        e.preventDefault();
        d.showModal();
      }
    }
  });
}

ready(() => {
  document.documentElement.classList.add("js");
  initShortcuts();
  initHeader();
  initNavToggle();
  initDropdowns();
  initTabs();
  initDirtyCheck();
  initConfirm();
  initDialogs();
  initChoosers();
  focusErrors();
});
