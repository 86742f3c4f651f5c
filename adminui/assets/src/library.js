// The media library's screens: uploads with a progress bar per file,
// the focal point picker, and the count of selected items. Each screen works
// without it (the upload form posts every file at once, the focal point is
// four number fields, the bulk buttons act on the ticked boxes).

function ready(fn) {
  if (document.readyState !== "loading") fn();
  else document.addEventListener("DOMContentLoaded", fn);
}

// ---- uploads: one request per file, two at a time ----
function initUploader() {
  const form = document.querySelector("form[data-uploader]");
  if (!form) return;
  const input = form.querySelector("input[type=file]");
  const zone = form.querySelector("[data-dropzone]");
  const results = document.querySelector("[data-upload-results]");
  const list = results.querySelector("[data-upload-list]");
  const summary = results.querySelector("[data-upload-summary]");
  const csrf = form.querySelector("input[name=csrf]").value;
  form.querySelector("[data-upload-submit]").hidden = true;
  let total = 0, done = 0, failed = 0;
  const queue = [];
  let running = 0;

  const report = () => {
    const left = total - done - failed;
    let text = `${done} of ${total} uploaded`;
    if (failed) text += `, ${failed} could not be (the reason is beside each)`;
    if (left) text += `; ${left} still uploading`;
    summary.textContent = text + ".";
  };

  const next = () => {
    while (running < 2 && queue.length) {
      running++;
      send(queue.shift()).finally(() => { running--; report(); next(); });
    }
  };

  const send = ({ file, item, bar, status }) => new Promise((resolve) => {
    const data = new FormData();
    data.append("csrf", csrf);
    const coll = form.querySelector("[name=collection_id]");
    if (coll) data.append("collection_id", coll.value);
    data.append("tags", form.querySelector("[name=tags]").value);
    data.append("file", file, file.name);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("X-Requested-With", "canopy");
    xhr.setRequestHeader("X-CSRF-Token", csrf);
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
    });
    const fail = (msg) => {
      failed++;
      item.classList.add("failed");
      bar.remove();
      status.className = "field-error";
      status.textContent = "Not uploaded: " + msg;
      resolve();
    };
    xhr.addEventListener("load", () => {
      let res = null;
      try { res = JSON.parse(xhr.responseText); } catch { /* not JSON */ }
      if (!res || xhr.status >= 400 || res.Error) {
        fail(res && res.Error ? res.Error : (res && res.error ? res.error.message : `the server answered ${xhr.status}.`));
        return;
      }
      done++;
      item.classList.add("done");
      bar.value = 100;
      bar.remove();
      status.className = "upload-ok";
      status.textContent = "Uploaded ";
      const a = document.createElement("a");
      a.href = res.Edit;
      a.textContent = `Edit “${res.Title}”`;
      item.append(a);
      resolve();
    });
    xhr.addEventListener("error", () => fail("the connection failed; try this file again."));
    xhr.send(data);
  });

  const add = (files) => {
    if (!files.length) return;
    results.hidden = false;
    for (const file of files) {
      total++;
      const item = document.createElement("li");
      item.className = "upload-item";
      const name = document.createElement("span");
      name.className = "upload-name";
      name.textContent = file.name;
      const bar = document.createElement("progress");
      bar.max = 100;
      bar.value = 0;
      bar.setAttribute("aria-label", `Uploading ${file.name}`);
      const status = document.createElement("span");
      status.className = "muted";
      item.append(name, bar, status);
      list.append(item);
      queue.push({ file, item, bar, status });
    }
    report();
    next();
  };

  input.addEventListener("change", () => { add([...input.files]); input.value = ""; });
  // Files chosen before the script ran (a slow connection) go too.
  if (input.files.length) { add([...input.files]); input.value = ""; }
  form.addEventListener("submit", (e) => { e.preventDefault(); add([...input.files]); input.value = ""; });
  ["dragenter", "dragover"].forEach((t) => zone.addEventListener(t, (e) => { e.preventDefault(); zone.classList.add("over"); }));
  ["dragleave", "drop"].forEach((t) => zone.addEventListener(t, () => zone.classList.remove("over")));
  zone.addEventListener("drop", (e) => { e.preventDefault(); add([...e.dataTransfer.files]); });
}

// ---- the focal point: a box drawn on the image, kept in the four fields ----
function initFocal() {
  const picker = document.querySelector("[data-focal]");
  if (!picker) return;
  const img = picker.querySelector("img");
  const box = picker.querySelector("[data-focal-box]");
  const inputs = [...document.querySelectorAll("[data-focal-input]")];
  const clear = document.getElementById("id_focal_clear");
  const W = +picker.dataset.width, H = +picker.dataset.height;
  document.querySelector("[data-focal-keys]").hidden = false;
  const read = () => inputs.map((i) => parseInt(i.value, 10));
  const clamp = (v, lo, hi) => Math.max(lo, Math.min(hi, v));
  const draw = () => {
    const [x, y, w, h] = read();
    if ([x, y, w, h].some(Number.isNaN) || w <= 0 || h <= 0 || (clear && clear.checked)) {
      box.hidden = true;
      return;
    }
    box.hidden = false;
    box.style.left = `${(x / W) * 100}%`;
    box.style.top = `${(y / H) * 100}%`;
    box.style.width = `${(w / W) * 100}%`;
    box.style.height = `${(h / H) * 100}%`;
    box.setAttribute("aria-label", `Focal area: ${w} × ${h} pixels from ${x}, ${y}`);
  };
  const set = (x, y, w, h) => {
    w = clamp(Math.round(w), 1, W);
    h = clamp(Math.round(h), 1, H);
    x = clamp(Math.round(x), 0, W - w);
    y = clamp(Math.round(y), 0, H - h);
    [x, y, w, h].forEach((v, i) => { inputs[i].value = v; });
    if (clear) clear.checked = false;
    inputs[0].dispatchEvent(new Event("input", { bubbles: true }));
    draw();
  };
  const at = (e) => {
    const r = img.getBoundingClientRect();
    return [clamp(((e.clientX - r.left) / r.width) * W, 0, W), clamp(((e.clientY - r.top) / r.height) * H, 0, H)];
  };
  let start = null;
  img.addEventListener("pointerdown", (e) => {
    e.preventDefault();
    start = at(e);
    img.setPointerCapture(e.pointerId);
  });
  img.addEventListener("pointermove", (e) => {
    if (!start) return;
    const [x, y] = at(e);
    set(Math.min(x, start[0]), Math.min(y, start[1]), Math.abs(x - start[0]) || 1, Math.abs(y - start[1]) || 1);
  });
  img.addEventListener("pointerup", (e) => {
    if (!start) return;
    const [x, y] = at(e);
    if (Math.abs(x - start[0]) < 3 && Math.abs(y - start[1]) < 3) {
      // A click or tap centres a box a fifth of the image's size there.
      const w = W / 5, h = H / 5;
      set(x - w / 2, y - h / 2, w, h);
    }
    start = null;
    box.focus();
  });
  box.addEventListener("keydown", (e) => {
    const moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    const m = moves[e.key];
    if (!m) return;
    e.preventDefault();
    const step = e.altKey ? 1 : Math.max(1, Math.round(Math.min(W, H) / 50));
    const [x, y, w, h] = read();
    if (e.shiftKey) set(x, y, w + m[0] * step, h + m[1] * step);
    else set(x + m[0] * step, y + m[1] * step, w, h);
  });
  inputs.forEach((i) => i.addEventListener("input", draw));
  if (clear) clear.addEventListener("change", draw);
  draw();
}

// ---- bulk selection: say how many are ticked ----
function initBulk() {
  const form = document.querySelector("form[data-bulk]");
  if (!form) return;
  const count = form.querySelector("[data-bulk-count]");
  if (!count) return;
  const initial = count.textContent;
  const buttons = [...form.querySelectorAll("button[name=action]")];
  const update = () => {
    const n = form.querySelectorAll("input[name=id]:checked").length;
    count.textContent = n ? `${n} selected.` : initial;
    buttons.forEach((b) => { b.disabled = n === 0; });
  };
  form.addEventListener("change", update);
  update();
}

ready(() => {
  initUploader();
  initFocal();
  initBulk();
});
