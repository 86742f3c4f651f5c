// The rich-text editor (ProseMirror), for the screens that edit rich text
// (textarea[data-richtext]); admin.js has run before it (module scripts run
// in order), so the choosers it opens are set up.
import { initRichText } from "./richtext.js";

if (document.readyState !== "loading") initRichText();
else document.addEventListener("DOMContentLoaded", initRichText);
