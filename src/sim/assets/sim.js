// The simulator's chat page. Vanilla JS, no build step, no external assets.
// One tab is one parent: the phone number lives in sessionStorage (per tab) or ?phone=.
(() => {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const els = {
    chat: $("chat"), messages: $("messages"), typing: $("typing"), sub: $("sub"),
    phone: $("phone"), name: $("name"), newParent: $("new-parent"),
    text: $("text"), send: $("send-btn"), attach: $("attach-btn"), attachMenu: $("attach-menu"),
    fileImage: $("file-image"), fileDocument: $("file-document"), backdrop: $("backdrop"),
    listSheet: $("list-sheet"), listTitle: $("list-title"), listBody: $("list-body"), listSend: $("list-send"),
    sampleSheet: $("sample-sheet"), sampleGrid: $("sample-grid"), sampleMore: $("sample-more"),
    sampleMoreWrap: $("sample-more-wrap"), sampleNext: $("sample-next"),
    previewSheet: $("preview-sheet"), previewItems: $("preview-items"), previewCaption: $("preview-caption"),
    previewAsDoc: $("preview-as-doc"), previewAsDocWrap: $("preview-as-doc-wrap"), previewSend: $("preview-send"),
    toast: $("toast"),
  };
  const businessName = document.getElementById("business-name").textContent;
  const MAX_UPLOAD = 10 * 1024 * 1024;
  const NAMES = ["Ibu Siti", "Bapak Agus", "Ibu Rina", "Bapak Dedi", "Ibu Nur", "Ibu Wati", "Bapak Rahmat"];

  const S = {
    phone: "", name: "", number: "", cursor: 0, session: null, generation: 0, poll: null,
    messages: new Map(), // wamid -> message view
    nodes: new Map(),    // wamid -> row element
    listFor: null, listChoice: null,
    samples: null, chosenSamples: [],
    pending: [],         // what the preview sheet will send
    online: true, typing: false, stick: true,
  };

  // ---- phone and name -------------------------------------------------------------------

  function normalizePhone(raw) {
    if (!/^[0-9+\s\-()]*$/.test(raw)) return null;
    let digits = raw.replace(/\D/g, "");
    if (digits.startsWith("0")) digits = "62" + digits.slice(1);
    if (digits.length < 10 || digits.length > 15 || digits.startsWith("0")) return null;
    return digits;
  }

  function randomPhone() {
    let n = "62812";
    for (let i = 0; i < 8; i++) n += Math.floor(Math.random() * 10);
    return n;
  }

  function setParent(phone, name) {
    S.phone = phone;
    S.name = name;
    els.phone.value = phone;
    els.name.value = name;
    try {
      sessionStorage.setItem("sim.phone", phone);
      sessionStorage.setItem("sim.name", name);
    } catch (_) { /* storage may be off; the tab still works */ }
    const url = new URL(location.href);
    url.searchParams.set("phone", phone);
    history.replaceState(null, "", url);
    resetChat();
  }

  function resetChat() {
    S.generation += 1;
    if (S.poll) S.poll.abort();
    if (wakeUp) wakeUp();
    S.cursor = 0;
    S.session = null;
    S.messages.clear();
    S.nodes.clear();
    els.messages.textContent = "";
    setTyping(false);
    pollLoop(S.generation);
  }

  function initParent() {
    const params = new URLSearchParams(location.search);
    let stored = null, storedName = null;
    try {
      stored = sessionStorage.getItem("sim.phone");
      storedName = sessionStorage.getItem("sim.name");
    } catch (_) { /* ignore */ }
    const phone = normalizePhone(params.get("phone") || "") || normalizePhone(stored || "") || randomPhone();
    const name = params.get("name") || storedName || NAMES[Math.floor(Math.random() * NAMES.length)];
    setParent(phone, name);
  }

  els.phone.addEventListener("change", () => {
    const phone = normalizePhone(els.phone.value);
    if (!phone) {
      toast("Nomor WhatsApp harus 10–15 angka, misalnya 6281234567890.");
      els.phone.value = S.phone;
      return;
    }
    if (phone !== S.phone) setParent(phone, S.name);
    else els.phone.value = phone;
  });
  els.phone.addEventListener("keydown", (e) => { if (e.key === "Enter") els.phone.blur(); });

  // ---- which office number -----------------------------------------------------------------

  const office = $("office");
  function setOffice(number) {
    S.number = number;
    if (office) office.value = number;
    try { sessionStorage.setItem("sim.office", number); } catch (_) { /* ignore */ }
    const url = new URL(location.href);
    if (number) url.searchParams.set("office", number); else url.searchParams.delete("office");
    history.replaceState(null, "", url);
  }
  if (office) {
    let stored = null;
    try { stored = sessionStorage.getItem("sim.office"); } catch (_) { /* ignore */ }
    const wanted = new URLSearchParams(location.search).get("office") || stored || "";
    const known = Array.from(office.options).some((o) => o.value === wanted);
    setOffice(known ? wanted : "");
    office.addEventListener("change", () => { setOffice(office.value); resetChat(); });
  }
  els.name.addEventListener("change", () => {
    S.name = els.name.value.trim() || S.name;
    els.name.value = S.name;
    try { sessionStorage.setItem("sim.name", S.name); } catch (_) { /* ignore */ }
  });
  els.newParent.addEventListener("click", () => {
    setParent(randomPhone(), NAMES[Math.floor(Math.random() * NAMES.length)]);
    els.text.focus();
  });

  // ---- talking to the simulator -----------------------------------------------------------

  async function api(method, path, body, headers) {
    const init = { method, headers: headers || {}, cache: "no-store" };
    if (body !== undefined) {
      if (body instanceof Blob) {
        init.body = body;
      } else {
        init.body = JSON.stringify(body);
        init.headers["content-type"] = "application/json";
      }
    }
    const response = await fetch(path, init);
    let data = null;
    try { data = await response.json(); } catch (_) { /* not JSON */ }
    if (!response.ok) {
      const message = data && data.error && data.error.message ? data.error.message : "HTTP " + response.status;
      throw new Error(message);
    }
    return data;
  }

  // A chat with another of the office's numbers is `phone@phone_number_id`.
  const chatPath = () => "/sim/api/chats/" + encodeURIComponent(S.phone) + (S.number ? "@" + S.number : "");
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  // Long polls while the tab is visible; a hidden tab asks every few seconds instead, so that
  // many tabs do not hold all of the browser's connections to this host.
  let wakeUp = null;
  function nap(ms) {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      wakeUp = () => { clearTimeout(timer); resolve(); };
    });
  }

  async function pollLoop(generation) {
    while (generation === S.generation) {
      const controller = new AbortController();
      S.poll = controller;
      const visible = document.visibilityState === "visible";
      try {
        const response = await fetch(chatPath() + "/messages?since=" + S.cursor + "&wait=" + (visible ? 20000 : 0),
          { signal: controller.signal, cache: "no-store" });
        if (generation !== S.generation) return;
        if (!response.ok) throw new Error("HTTP " + response.status);
        const data = await response.json();
        if (generation !== S.generation) return;
        if (S.session && data.session !== S.session) {
          // The server restarted: its chats are gone, start over.
          S.session = data.session;
          S.cursor = 0;
          S.messages.clear(); S.nodes.clear();
          els.messages.textContent = "";
          continue;
        }
        S.session = data.session;
        S.cursor = data.cursor;
        setOnline(true);
        data.messages.forEach(render);
        setTyping(data.typing);
        if (data.messages.some((m) => m.from === "business" && m.status !== "read" && m.status !== "failed")) {
          markRead();
        }
        if (!visible) await nap(3000);
      } catch (error) {
        if (generation !== S.generation || error.name === "AbortError") return;
        setOnline(false);
        await nap(1500);
      }
    }
  }

  // Read receipts go out only while the chat is on screen, as on a phone.
  function markRead() {
    if (document.visibilityState !== "visible") return;
    api("POST", chatPath() + "/read").catch(() => { /* the next poll tries again */ });
  }
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState !== "visible") return;
    markRead();
    if (wakeUp) wakeUp();
  });

  function setOnline(online) {
    if (S.online === online) return;
    S.online = online;
    updateSub();
  }

  function setTyping(typing) {
    S.typing = !!typing;
    els.typing.hidden = !S.typing;
    updateSub();
    if (S.typing) scrollDown(false);
  }

  function updateSub() {
    els.sub.textContent = !S.online ? "menghubungkan…" : S.typing ? "mengetik…" : "akun bisnis · simulator lokal";
  }

  // ---- rendering --------------------------------------------------------------------------

  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }

  // WhatsApp's formatting: *bold*, _italic_, ~strike~, ```mono```.
  function formatText(s) {
    let html = escapeHtml(s);
    html = html.replace(/```([\s\S]+?)```/g, "<code>$1</code>");
    const wrap = (mark, tag) => {
      const m = mark.replace(/[*~]/g, "\\$&");
      // As WhatsApp: the marks hug the text and stand at word boundaries.
      const re = new RegExp("(^|[^A-Za-z0-9])" + m + "(\\S(?:[^" + m + "\\n]*?\\S)?)" + m + "(?=$|[^A-Za-z0-9])", "g");
      html = html.replace(re, "$1<" + tag + ">$2</" + tag + ">");
    };
    wrap("*", "b");
    wrap("_", "i");
    wrap("~", "s");
    return html;
  }

  const TICK_ONE = '<svg viewBox="0 0 16 11" width="16" height="11"><path d="M1.8 5.9l3 3L11.2 1.6" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linecap="round" stroke-linejoin="round"/></svg>';
  const TICK_TWO = '<svg viewBox="0 0 18 11" width="18" height="11"><path d="M1.3 5.9l3 3L10.7 1.6M7.3 8.4l.5.5L14.2 1.6" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linecap="round" stroke-linejoin="round"/></svg>';
  const CLOCK = '<svg viewBox="0 0 12 12" width="12" height="12"><circle cx="6" cy="6" r="5" fill="none" stroke="currentColor" stroke-width="1.2"/><path d="M6 3v3.2l2 1.3" fill="none" stroke="currentColor" stroke-width="1.2" stroke-linecap="round"/></svg>';

  function ticks(status) {
    switch (status) {
      case "sent": return '<span class="tick sent" title="Terkirim" data-status="sent">' + TICK_ONE + "</span>";
      case "delivered": return '<span class="tick delivered" title="Diterima loket" data-status="delivered">' + TICK_TWO + "</span>";
      case "read": return '<span class="tick read" title="Dibaca loket" data-status="read">' + TICK_TWO + "</span>";
      case "failed": return '<span class="tick failed" title="Gagal" data-status="failed">!</span>';
      default: return '<span class="tick" data-status="pending">' + CLOCK + "</span>";
    }
  }

  function timeOf(ts) {
    return new Date(ts * 1000).toLocaleTimeString("id-ID", { hour: "2-digit", minute: "2-digit" });
  }

  function dayOf(ts) {
    const d = new Date(ts * 1000);
    const today = new Date();
    const yesterday = new Date(Date.now() - 86400000);
    if (d.toDateString() === today.toDateString()) return "Hari ini";
    if (d.toDateString() === yesterday.toDateString()) return "Kemarin";
    return d.toLocaleDateString("id-ID", { day: "numeric", month: "long", year: "numeric" });
  }

  function sizeOf(bytes) {
    if (bytes < 1024) return bytes + " B";
    if (bytes < 1024 * 1024) return Math.round(bytes / 1024) + " KB";
    return (bytes / 1024 / 1024).toFixed(1).replace(".", ",") + " MB";
  }

  function extOf(name) {
    const m = /\.([a-z0-9]{1,5})$/i.exec(name || "");
    return m ? m[1].toUpperCase() : "FILE";
  }

  function docBlock(c, href) {
    const ext = extOf(c.filename);
    return '<a class="doc" href="' + href + '" target="_blank" rel="noopener">' +
      '<span class="doc-ic' + (ext === "PDF" ? "" : " other") + '">' + escapeHtml(ext) + "</span>" +
      '<span><div class="doc-name">' + escapeHtml(c.filename) + "</div>" +
      '<div class="doc-meta">' + escapeHtml(ext) + " · " + sizeOf(c.size || 0) + "</div></span></a>";
  }

  function bubbleHtml(m) {
    const c = m.content;
    const mine = m.from === "parent";
    let inner = "";
    if (m.quote) {
      inner += '<span class="quote"><span class="qn">' + (m.quote.from === "parent" ? "Anda" : escapeHtml(businessName)) + "</span>" +
        formatText(m.quote.text) + "</span>";
    }
    let text = "";
    let after = "";
    switch (c.type) {
      case "text": text = c.body; break;
      case "image":
        inner += '<a href="/sim/api/media/' + encodeURIComponent(c.media_id) + '" target="_blank" rel="noopener">' +
          '<img class="photo" alt="Foto" src="/sim/api/media/' + encodeURIComponent(c.media_id) + '"></a>';
        text = c.caption || "";
        break;
      case "document":
        inner += docBlock(c, "/sim/api/media/" + encodeURIComponent(c.media_id));
        text = c.caption || "";
        break;
      case "button_reply":
      case "list_reply":
        text = c.title;
        break;
      case "buttons":
      case "list":
        if (c.header) inner += '<div class="hdr">' + escapeHtml(c.header) + "</div>";
        text = c.body;
        break;
      case "template":
        inner += '<div class="template-tag">📋 Template <b>' + escapeHtml(c.name) + "</b> (" + escapeHtml(c.language) + ")</div>";
        text = c.params.join("\n");
        break;
      default: text = "(pesan tidak dikenal)";
    }
    if (text) inner += '<div class="text">' + formatText(text) + "</div>";
    if ((c.type === "buttons" || c.type === "list") && c.footer) {
      inner += '<div class="ftr">' + escapeHtml(c.footer) + "</div>";
    }
    inner += '<span class="meta"><time>' + timeOf(m.timestamp) + "</time>" + (mine ? ticks(m.status) : "") + "</span>";
    if (c.type === "list") {
      inner += '<button type="button" class="list-open" data-list="' + escapeHtml(m.id) + '">' +
        '<svg viewBox="0 0 24 24" width="18" height="18"><path fill="currentColor" d="M3 6h2v2H3zm4 0h14v2H7zM3 11h2v2H3zm4 0h14v2H7zm-4 5h2v2H3zm4 0h14v2H7z"/></svg>' +
        escapeHtml(c.button) + "</button>";
    }
    if (c.type === "buttons") {
      after = '<div class="quick">' + c.buttons.map((b) =>
        '<button type="button" data-msg="' + escapeHtml(m.id) + '" data-reply="' + escapeHtml(b.id) + '">' +
        '<svg viewBox="0 0 24 24" width="16" height="16"><path fill="currentColor" d="M10 9V5l-7 7 7 7v-4.1c5 0 8.5 1.6 11 5.1-1-5-4-10-11-11z"/></svg>' +
        escapeHtml(b.title) + "</button>").join("") + "</div>";
    }
    let note = "";
    if (m.status === "failed" && m.error) note = '<div class="note">' + escapeHtml(m.error) + "</div>";
    return '<div class="stack"><div class="bubble" data-type="' + escapeHtml(c.type) + '">' + inner + "</div>" + after + note + "</div>";
  }

  function render(m) {
    S.messages.set(m.id, m);
    let row = S.nodes.get(m.id);
    const isNew = !row;
    if (isNew) {
      row = document.createElement("div");
      row.dataset.id = m.id;
      row.dataset.seq = m.seq;
      S.nodes.set(m.id, row);
      insertInOrder(row, m.seq);
    }
    row.className = "row msg " + (m.from === "parent" ? "out" : "in") + (m.status === "failed" ? " failed" : "");
    row.dataset.status = m.status;
    // Rebuilt only when what it shows changed, so buttons stay the same elements while
    // statuses of loket's messages move on.
    const html = bubbleHtml(m);
    if (row.simHtml !== html) {
      row.innerHTML = html;
      row.simHtml = html;
    }
    decorate();
    if (isNew) scrollDown(m.from === "parent");
  }

  function insertInOrder(row, seq) {
    const rows = els.messages.querySelectorAll(".row.msg");
    for (const other of rows) {
      if (Number(other.dataset.seq) > seq) {
        els.messages.insertBefore(row, other);
        return;
      }
    }
    els.messages.appendChild(row);
  }

  // Tails on the first bubble of a run, and day chips between days.
  function decorate() {
    els.messages.querySelectorAll(".chip.day").forEach((c) => c.remove());
    let prevSide = null, prevDay = null;
    for (const row of els.messages.querySelectorAll(".row.msg")) {
      const m = S.messages.get(row.dataset.id);
      if (!m) continue;
      const day = dayOf(m.timestamp);
      if (day !== prevDay) {
        const chip = document.createElement("div");
        chip.className = "chip day";
        chip.textContent = day;
        els.messages.insertBefore(chip, row);
        prevSide = null;
      }
      row.classList.toggle("first", m.from !== prevSide);
      prevSide = m.from;
      prevDay = day;
    }
  }

  // Follow new messages while the reader is at the bottom, as a chat app does.
  function scrollDown(force) {
    if (force) S.stick = true;
    if (S.stick) els.chat.scrollTop = els.chat.scrollHeight;
  }
  els.chat.addEventListener("scroll", () => {
    const c = els.chat;
    S.stick = c.scrollHeight - c.scrollTop - c.clientHeight < 80;
  });
  // Photos grow their bubble when they load.
  els.messages.addEventListener("load", () => scrollDown(false), true);

  // ---- sending ----------------------------------------------------------------------------

  async function sendJson(body) {
    body.name = S.name;
    const data = await api("POST", chatPath() + "/messages", body);
    if (data && data.message) render(data.message);
  }

  async function sendText() {
    const text = els.text.value.trim();
    if (!text) { els.text.focus(); return; }
    els.text.value = "";
    autosize();
    try {
      await sendJson({ type: "text", text });
    } catch (error) {
      els.text.value = text;
      autosize();
      toast("Gagal mengirim: " + error.message);
    }
    els.text.focus();
  }

  els.send.addEventListener("click", sendText);
  els.text.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      sendText();
    }
  });
  function autosize() {
    els.text.style.height = "auto";
    els.text.style.height = Math.min(els.text.scrollHeight, 120) + "px";
  }
  els.text.addEventListener("input", autosize);

  // Taps on reply buttons and list buttons, wherever they are in the chat.
  els.messages.addEventListener("click", (e) => {
    const reply = e.target.closest("button[data-reply]");
    if (reply) {
      sendJson({ type: "reply", message_id: reply.dataset.msg, id: reply.dataset.reply })
        .catch((error) => toast("Gagal mengirim: " + error.message));
      return;
    }
    const list = e.target.closest("button[data-list]");
    if (list) openList(list.dataset.list);
  });

  // ---- sheets -----------------------------------------------------------------------------

  function openSheet(sheet) {
    closeSheets();
    els.backdrop.hidden = false;
    sheet.hidden = false;
  }

  function closeSheets() {
    for (const s of [els.listSheet, els.sampleSheet, els.previewSheet]) s.hidden = true;
    els.attachMenu.hidden = true;
    els.backdrop.hidden = true;
  }

  els.backdrop.addEventListener("click", closeSheets);
  document.querySelectorAll("[data-close]").forEach((b) => b.addEventListener("click", closeSheets));
  document.addEventListener("keydown", (e) => { if (e.key === "Escape") closeSheets(); });

  function openList(wamid) {
    const m = S.messages.get(wamid);
    if (!m || m.content.type !== "list") return;
    S.listFor = wamid;
    S.listChoice = null;
    els.listTitle.textContent = m.content.button;
    els.listSend.disabled = true;
    let html = "";
    for (const section of m.content.sections) {
      if (section.title) html += '<div class="section-title">' + escapeHtml(section.title) + "</div>";
      for (const row of section.rows) {
        html += '<button type="button" class="opt" role="radio" aria-checked="false" data-row="' + escapeHtml(row.id) + '">' +
          '<span class="txt"><div class="t">' + escapeHtml(row.title) + "</div>" +
          (row.description ? '<div class="d">' + escapeHtml(row.description) + "</div>" : "") +
          '</span><span class="radio"></span></button>';
      }
    }
    els.listBody.innerHTML = html;
    openSheet(els.listSheet);
  }

  els.listBody.addEventListener("click", (e) => {
    const opt = e.target.closest(".opt");
    if (!opt) return;
    S.listChoice = opt.dataset.row;
    els.listBody.querySelectorAll(".opt").forEach((o) => o.setAttribute("aria-checked", o === opt ? "true" : "false"));
    els.listSend.disabled = false;
  });

  els.listSend.addEventListener("click", () => {
    if (!S.listFor || !S.listChoice) return;
    const body = { type: "reply", message_id: S.listFor, id: S.listChoice };
    closeSheets();
    sendJson(body).catch((error) => toast("Gagal mengirim: " + error.message));
  });

  // attach menu
  els.attach.addEventListener("click", (e) => {
    e.stopPropagation();
    const open = els.attachMenu.hidden;
    closeSheets();
    els.attachMenu.hidden = !open;
  });
  document.addEventListener("click", (e) => {
    if (!els.attachMenu.hidden && !els.attachMenu.contains(e.target)) els.attachMenu.hidden = true;
  });
  els.attachMenu.addEventListener("click", (e) => {
    const item = e.target.closest("[data-attach]");
    if (!item) return;
    els.attachMenu.hidden = true;
    const kind = item.dataset.attach;
    if (kind === "image") els.fileImage.click();
    else if (kind === "document") els.fileDocument.click();
    else openSamples();
  });

  function filesChosen(input, asDocument) {
    const files = Array.from(input.files || []);
    input.value = "";
    if (!files.length) return;
    const big = files.find((f) => f.size > MAX_UPLOAD);
    if (big) { toast(big.name + " terlalu besar (maksimal 10 MB)."); return; }
    openPreview(files.map((file) => ({
      file, name: file.name, mime: file.type, size: file.size,
      onlyDocument: asDocument || !(file.type || "").startsWith("image/"),
    })), asDocument);
  }
  els.fileImage.addEventListener("change", () => filesChosen(els.fileImage, false));
  els.fileDocument.addEventListener("change", () => filesChosen(els.fileDocument, true));

  // sample photos
  async function openSamples() {
    S.chosenSamples = [];
    els.sampleNext.disabled = true;
    openSheet(els.sampleSheet);
    if (!S.samples) {
      els.sampleGrid.innerHTML = '<p class="hint">Memuat…</p>';
      try {
        S.samples = (await api("GET", "/sim/api/samples")).samples;
      } catch (error) {
        els.sampleGrid.innerHTML = '<p class="hint">Contoh tidak bisa dimuat: ' + escapeHtml(error.message) + "</p>";
        return;
      }
    }
    const tile = (s) => '<button type="button" class="tile" aria-pressed="false" data-name="' + escapeHtml(s.name) + '" title="' + escapeHtml(s.name) + '">' +
      (s.mime_type.startsWith("image/") && s.mime_type !== "image/heic"
        ? '<img loading="lazy" alt="" src="/sim/api/samples/' + encodeURIComponent(s.name) + '">'
        : '<div class="tile-doc">' + escapeHtml(extOf(s.name)) + "</div>") +
      "<span>" + escapeHtml(s.label) + "</span></button>";
    const main = S.samples.filter((s) => s.recommended);
    const more = S.samples.filter((s) => !s.recommended);
    els.sampleGrid.innerHTML = main.length ? main.map(tile).join("") : '<p class="hint">Tidak ada contoh di fixtures/photos.</p>';
    els.sampleMore.innerHTML = more.map(tile).join("");
    els.sampleMoreWrap.hidden = !more.length;
  }

  els.sampleSheet.addEventListener("click", (e) => {
    const tile = e.target.closest(".tile");
    if (!tile) return;
    const name = tile.dataset.name;
    const at = S.chosenSamples.indexOf(name);
    if (at >= 0) S.chosenSamples.splice(at, 1); else S.chosenSamples.push(name);
    tile.setAttribute("aria-pressed", at >= 0 ? "false" : "true");
    els.sampleNext.disabled = !S.chosenSamples.length;
    els.sampleNext.textContent = S.chosenSamples.length > 1 ? "Lanjut (" + S.chosenSamples.length + ")" : "Lanjut";
  });

  els.sampleNext.addEventListener("click", () => {
    const items = S.chosenSamples
      .map((name) => S.samples.find((s) => s.name === name))
      .filter(Boolean)
      .map((s) => ({ sample: s.name, name: s.name, mime: s.mime_type, size: s.size, onlyDocument: s.kind !== "image" }));
    if (!items.length) return;
    openPreview(items, false);
  });

  // preview before sending files, with a caption, as WhatsApp does
  function openPreview(items, asDocument) {
    S.pending = items;
    els.previewCaption.value = "";
    els.previewAsDoc.checked = asDocument;
    // The choice matters only for photos; other files always go as documents.
    els.previewAsDocWrap.hidden = items.every((i) => i.onlyDocument);
    els.previewItems.classList.toggle("many", items.length > 1);
    els.previewItems.innerHTML = "";
    for (const item of items) {
      if ((item.mime || "").startsWith("image/") && item.mime !== "image/heic") {
        const img = document.createElement("img");
        img.alt = item.name;
        img.src = item.file ? URL.createObjectURL(item.file) : "/sim/api/samples/" + encodeURIComponent(item.sample);
        els.previewItems.appendChild(img);
      } else {
        els.previewItems.insertAdjacentHTML("beforeend", docBlock({ filename: item.name, size: item.size }, "#"));
      }
    }
    els.previewCaption.placeholder = items.length > 1 ? "Keterangan (untuk berkas pertama)…" : "Tambahkan keterangan…";
    openSheet(els.previewSheet);
    els.previewCaption.focus();
  }

  async function sendPending() {
    const items = S.pending;
    const caption = els.previewCaption.value.trim();
    const asDocument = els.previewAsDoc.checked;
    S.pending = [];
    closeSheets();
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      const itemCaption = i === 0 && caption ? caption : undefined;
      const docMode = item.onlyDocument || asDocument;
      try {
        if (item.sample) {
          await sendJson({ type: "sample", file: item.sample, as_document: docMode, caption: itemCaption });
        } else {
          const params = new URLSearchParams({
            kind: docMode ? "document" : "image",
            filename: item.name,
            name: S.name,
          });
          if (itemCaption) params.set("caption", itemCaption);
          const data = await api("POST", chatPath() + "/media?" + params.toString(), item.file,
            { "content-type": item.mime || "application/octet-stream" });
          if (data && data.message) render(data.message);
        }
      } catch (error) {
        toast("Gagal mengirim " + item.name + ": " + error.message);
      }
    }
  }
  els.previewSend.addEventListener("click", sendPending);
  els.previewCaption.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.isComposing) { e.preventDefault(); sendPending(); }
  });

  // ---- toast ------------------------------------------------------------------------------

  let toastTimer = null;
  function toast(message) {
    els.toast.textContent = message;
    els.toast.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { els.toast.hidden = true; }, 4000);
  }

  initParent();
})();
