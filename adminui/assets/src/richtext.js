// The rich-text editor: ProseMirror over a <textarea data-richtext>. The
// schema is exactly what the server's sanitiser keeps: paragraphs, h2-h4,
// bold, italic, lists, quotes, links (to a page by id, a document by id, a
// URL, an email address or an anchor) and images by id. The textarea stays
// the form field; without JavaScript it shows the HTML itself.
import { Schema, DOMParser as PMDOMParser, DOMSerializer } from "prosemirror-model";
import { EditorState } from "prosemirror-state";
import { EditorView } from "prosemirror-view";
import { addListNodes, wrapInList, splitListItem, liftListItem, sinkListItem } from "prosemirror-schema-list";
import { baseKeymap, toggleMark, setBlockType, chainCommands, exitCode } from "prosemirror-commands";
import { keymap } from "prosemirror-keymap";
import { history, undo, redo } from "prosemirror-history";
import { openChooser } from "./chooser.js";

const nodes = {
  doc: { content: "block+" },
  paragraph: { group: "block", content: "inline*", parseDOM: [{ tag: "p" }, { tag: "div" }], toDOM: () => ["p", 0] },
  heading: {
    group: "block", content: "inline*", defining: true, attrs: { level: { default: 2 } },
    parseDOM: [
      { tag: "h1", attrs: { level: 2 } }, { tag: "h2", attrs: { level: 2 } }, { tag: "h3", attrs: { level: 3 } },
      { tag: "h4", attrs: { level: 4 } }, { tag: "h5", attrs: { level: 4 } }, { tag: "h6", attrs: { level: 4 } },
    ],
    toDOM: (n) => [`h${n.attrs.level}`, 0],
  },
  blockquote: { group: "block", content: "block+", defining: true, parseDOM: [{ tag: "blockquote" }], toDOM: () => ["blockquote", 0] },
  image: {
    group: "block", draggable: true, attrs: { src: { default: "" }, alt: { default: "" }, imageId: { default: null } },
    parseDOM: [{
      tag: "img[src]",
      getAttrs: (el) => ({ src: el.getAttribute("src") || "", alt: el.getAttribute("alt") || "", imageId: el.getAttribute("data-image-id") }),
    }],
    toDOM: (n) => ["img", { src: n.attrs.src, alt: n.attrs.alt, ...(n.attrs.imageId ? { "data-image-id": n.attrs.imageId } : {}) }],
  },
  // An embed (a video, a post): the server turned a URL on a line of its own
  // into it when the text was saved; kept as it is, shown as a box naming it.
  embed: {
    group: "block", atom: true, selectable: true, draggable: true, attrs: { url: { default: "" }, title: { default: "" } },
    parseDOM: [{
      tag: "figure[data-embed-url]",
      getAttrs: (el) => ({ url: el.getAttribute("data-embed-url") || "", title: (el.textContent || "").trim() }),
    }],
    toDOM: (n) => ["figure", { class: "embed", "data-embed-url": n.attrs.url }, ["a", { href: n.attrs.url }, n.attrs.title || n.attrs.url]],
  },
  text: { group: "inline" },
  hard_break: { inline: true, group: "inline", selectable: false, parseDOM: [{ tag: "br" }], toDOM: () => ["br"] },
};

const marks = {
  link: {
    attrs: { href: { default: "" }, pageId: { default: null }, documentId: { default: null } },
    inclusive: false,
    parseDOM: [{
      tag: "a[href]",
      getAttrs: (el) => ({ href: el.getAttribute("href"), pageId: el.getAttribute("data-page-id"), documentId: el.getAttribute("data-document-id") }),
    }],
    toDOM: (m) => ["a", {
      href: m.attrs.href,
      ...(m.attrs.pageId ? { "data-page-id": m.attrs.pageId } : {}),
      ...(m.attrs.documentId ? { "data-document-id": m.attrs.documentId } : {}),
    }, 0],
  },
  em: { parseDOM: [{ tag: "em" }, { tag: "i" }], toDOM: () => ["em", 0] },
  strong: { parseDOM: [{ tag: "strong" }, { tag: "b" }], toDOM: () => ["strong", 0] },
};

const base = new Schema({ nodes, marks });
export const schema = new Schema({
  nodes: addListNodes(base.spec.nodes, "paragraph block*", "block"),
  marks: base.spec.marks,
});

const serializer = DOMSerializer.fromSchema(schema);
const parser = PMDOMParser.fromSchema(schema);

function toHTML(doc) {
  const div = document.createElement("div");
  div.append(serializer.serializeFragment(doc.content));
  return div.innerHTML;
}

function fromHTML(html) {
  // An inert document: nothing in it loads or runs.
  const parsed = new window.DOMParser().parseFromString(`<body>${html || ""}</body>`, "text/html");
  return parser.parse(parsed.body);
}

function markActive(state, type) {
  const { from, $from, to, empty } = state.selection;
  if (empty) return !!type.isInSet(state.storedMarks || $from.marks());
  return state.doc.rangeHasMark(from, to, type);
}

function blockActive(state, type, attrs) {
  const { $from } = state.selection;
  const n = $from.parent;
  return n.type === type && (!attrs || Object.keys(attrs).every((k) => n.attrs[k] === attrs[k]));
}

function linkAround(state) {
  const { $from } = state.selection;
  return schema.marks.link.isInSet($from.marks());
}

// insertLink links the selection, or inserts the text linked when nothing is selected.
function insertLink(view, attrs, text) {
  const { state } = view;
  const { from, to, empty } = state.selection;
  const mark = schema.marks.link.create(attrs);
  let tr = state.tr;
  if (empty) {
    const label = text || attrs.href;
    tr = tr.insertText(label, from).addMark(from, from + label.length, mark);
  } else {
    tr = tr.removeMark(from, to, schema.marks.link).addMark(from, to, mark);
  }
  view.dispatch(tr.scrollIntoView());
  view.focus();
}

function chooseLink(view, urls) {
  openChooser(urls.link, (data) => {
    const attrs = { href: data.href || data.url, pageId: data.pageId || null, documentId: data.documentId || null };
    if (!attrs.href) return;
    insertLink(view, attrs, data.title);
  });
  return true;
}

function chooseImage(view, urls) {
  openChooser(urls.image, (data) => {
    const node = schema.nodes.image.create({ src: data.preview || data.thumb, alt: data.alt || data.title, imageId: data.id });
    view.dispatch(view.state.tr.replaceSelectionWith(node).scrollIntoView());
    view.focus();
  });
  return true;
}

function chooseDocument(view, urls) {
  openChooser(urls.document, (data) => {
    insertLink(view, { href: data.url, documentId: data.id }, data.title);
  });
  return true;
}

function buildKeymap(urls) {
  const li = schema.nodes.list_item;
  const br = chainCommands(exitCode, (state, dispatch) => {
    if (dispatch) dispatch(state.tr.replaceSelectionWith(schema.nodes.hard_break.create()).scrollIntoView());
    return true;
  });
  return {
    "Mod-z": undo, "Shift-Mod-z": redo, "Mod-y": redo,
    "Mod-b": toggleMark(schema.marks.strong), "Mod-i": toggleMark(schema.marks.em),
    "Mod-k": (state, dispatch, view) => chooseLink(view, urls),
    "Shift-Enter": br, "Mod-Enter": br,
    "Enter": splitListItem(li), "Mod-[": liftListItem(li), "Mod-]": sinkListItem(li),
    "Shift-Ctrl-0": setBlockType(schema.nodes.paragraph),
    "Shift-Ctrl-2": setBlockType(schema.nodes.heading, { level: 2 }),
    "Shift-Ctrl-3": setBlockType(schema.nodes.heading, { level: 3 }),
    "Shift-Ctrl-4": setBlockType(schema.nodes.heading, { level: 4 }),
    "Shift-Ctrl-8": wrapInList(schema.nodes.bullet_list),
    "Shift-Ctrl-9": wrapInList(schema.nodes.ordered_list),
  };
}

function toolbar(view, urls) {
  const bar = document.createElement("div");
  bar.className = "rt-toolbar";
  bar.setAttribute("role", "toolbar");
  bar.setAttribute("aria-label", "Formatting");
  const items = [
    { label: "B", title: "Bold (Ctrl+B)", cmd: toggleMark(schema.marks.strong), active: (s) => markActive(s, schema.marks.strong) },
    { label: "I", title: "Italic (Ctrl+I)", cmd: toggleMark(schema.marks.em), active: (s) => markActive(s, schema.marks.em) },
    "sep",
    { label: "¶", title: "Paragraph (Ctrl+Shift+0)", cmd: setBlockType(schema.nodes.paragraph), active: (s) => blockActive(s, schema.nodes.paragraph) },
    { label: "H2", title: "Heading 2 (Ctrl+Shift+2)", cmd: setBlockType(schema.nodes.heading, { level: 2 }), active: (s) => blockActive(s, schema.nodes.heading, { level: 2 }) },
    { label: "H3", title: "Heading 3 (Ctrl+Shift+3)", cmd: setBlockType(schema.nodes.heading, { level: 3 }), active: (s) => blockActive(s, schema.nodes.heading, { level: 3 }) },
    { label: "H4", title: "Heading 4 (Ctrl+Shift+4)", cmd: setBlockType(schema.nodes.heading, { level: 4 }), active: (s) => blockActive(s, schema.nodes.heading, { level: 4 }) },
    "sep",
    { label: "• List", title: "Bulleted list (Ctrl+Shift+8)", cmd: wrapInList(schema.nodes.bullet_list) },
    { label: "1. List", title: "Numbered list (Ctrl+Shift+9)", cmd: wrapInList(schema.nodes.ordered_list) },
    "sep",
    { label: "Link", title: "Link (Ctrl+K)", dialog: true, cmd: (s, d, v) => chooseLink(v, urls), active: (s) => !!linkAround(s) },
    { label: "Unlink", title: "Remove link", cmd: (s, d) => {
      const { from, to } = s.selection;
      if (!s.doc.rangeHasMark(from, to, schema.marks.link) && !linkAround(s)) return false;
      if (d) {
        let a = from, b = to;
        if (a === b) { // extend to the link around the cursor
          const $p = s.doc.resolve(a);
          const start = $p.parent.childAfter($p.parentOffset);
          if (start.node) { a = $p.start() + start.offset; b = a + start.node.nodeSize; }
        }
        d(s.tr.removeMark(a, b, schema.marks.link));
      }
      return true;
    } },
    { label: "Image", title: "Insert an image", dialog: true, cmd: (s, d, v) => chooseImage(v, urls) },
    { label: "Document", title: "Link a document", dialog: true, cmd: (s, d, v) => chooseDocument(v, urls) },
    "sep",
    { label: "Undo", title: "Undo (Ctrl+Z)", cmd: undo },
    { label: "Redo", title: "Redo (Ctrl+Shift+Z)", cmd: redo },
  ];
  const buttons = [];
  for (const it of items) {
    if (it === "sep") {
      const s = document.createElement("span");
      s.className = "sep";
      s.setAttribute("aria-hidden", "true");
      bar.append(s);
      continue;
    }
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = it.label;
    b.title = it.title;
    // The accessible name starts with the visible label (WCAG 2.5.3).
    b.setAttribute("aria-label", `${it.label}: ${it.title}`);
    b.tabIndex = buttons.length === 0 ? 0 : -1;
    b.addEventListener("mousedown", (e) => e.preventDefault());
    b.addEventListener("click", () => {
      it.cmd(view.state, view.dispatch, view);
      if (!it.dialog) view.focus();
    });
    bar.append(b);
    buttons.push({ b, it });
  }
  // One tab stop, always on a button that can be used; arrow keys, Home and
  // End move along the toolbar, over the disabled ones.
  const stopAt = (j) => {
    buttons.forEach((x, k) => { x.b.tabIndex = k === j ? 0 : -1; });
  };
  const enabled = (j) => !buttons[j].b.disabled;
  bar.addEventListener("keydown", (e) => {
    const i = buttons.findIndex((x) => x.b === document.activeElement);
    if (i < 0) return;
    const n = buttons.length;
    let j = -1;
    if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
      const k = e.key === "ArrowRight" ? 1 : -1;
      for (let step = 1; step < n && j < 0; step++) {
        const c = (i + k * step + n * step) % n;
        if (enabled(c)) j = c;
      }
    } else if (e.key === "Home") {
      j = buttons.findIndex((x, c) => enabled(c));
    } else if (e.key === "End") {
      for (let c = n - 1; c >= 0 && j < 0; c--) if (enabled(c)) j = c;
    } else {
      return;
    }
    e.preventDefault();
    if (j < 0) return;
    stopAt(j);
    buttons[j].b.focus();
  });
  const update = (state) => {
    for (const { b, it } of buttons) {
      if (it.active) b.setAttribute("aria-pressed", String(it.active(state)));
      // A command asked without dispatch only answers whether it applies;
      // the chooser buttons always apply (and must not open here).
      if (!it.dialog) b.disabled = !it.cmd(state, null, view);
    }
    // The tab stop leaves a button that has just been disabled.
    const stop = buttons.findIndex((x) => x.b.tabIndex === 0);
    if (stop < 0 || !enabled(stop)) {
      const first = buttons.findIndex((x, c) => enabled(c));
      if (first >= 0) stopAt(first);
    }
  };
  return { bar, update };
}

export function initRichText() {
  document.querySelectorAll("textarea[data-richtext]").forEach((ta) => {
    const urls = { link: ta.dataset.linkChooser, image: ta.dataset.imageChooser, document: ta.dataset.documentChooser };
    const wrap = document.createElement("div");
    wrap.className = "richtext";
    const mount = document.createElement("div");
    const labelId = ta.id + "-label";
    const label = document.querySelector(`label[for="${ta.id}"]`);
    if (label) label.id = labelId;
    let tb;
    const view = new EditorView(mount, {
      state: EditorState.create({ doc: fromHTML(ta.value), plugins: [history(), keymap(buildKeymap(urls)), keymap(baseKeymap)] }),
      // In a disabled fieldset (a page one may read, not change) the text
      // is read-only too.
      editable: () => !ta.closest("fieldset[disabled]"),
      attributes: {
        role: "textbox", "aria-multiline": "true", "aria-labelledby": labelId,
        ...(ta.getAttribute("aria-describedby") ? { "aria-describedby": ta.getAttribute("aria-describedby") } : {}),
        ...(ta.getAttribute("aria-invalid") ? { "aria-invalid": ta.getAttribute("aria-invalid") } : {}),
      },
      dispatchTransaction(tr) {
        const state = view.state.apply(tr);
        view.updateState(state);
        tb.update(state);
        if (tr.docChanged) {
          ta.value = toHTML(state.doc);
          ta.dispatchEvent(new Event("canopy:changed", { bubbles: true }));
        }
      },
    });
    tb = toolbar(view, urls);
    tb.update(view.state);
    wrap.append(tb.bar, mount);
    ta.hidden = true;
    ta.after(wrap);
    // A label click focuses the editor.
    if (label) label.addEventListener("click", () => view.focus());
    ta.canopyEditor = view;
  });
}
