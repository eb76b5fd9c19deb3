// The coordinators' console: plain JavaScript, no build step. Everything that comes from the
// server is set as text (textContent, createTextNode) and never parsed as HTML, except the
// Telegram-HTML preview, which rebuilds only Telegram's own tags from an inert document.
"use strict";

const LANGUAGES = ["en", "zh", "fr"];
const webApp = window.Telegram && window.Telegram.WebApp;
const initData = webApp ? webApp.initData : "";
let texts = {};
let language = "en";
let current = null; // the topic open in the editor

function t(key, values) {
  let text = texts[key] || key;
  for (const [name, value] of Object.entries(values || {})) {
    text = text.split("{" + name + "}").join(String(value));
    text = text.replace(new RegExp("\\{" + name + ":([^}]*)\\}", "g"),
      (_, spec) => byCount(spec, value));
  }
  return text;
}

// Forms by count, as the bot's own texts give them: "{n:one=# lead|other=# leads}" ("0=" an
// exact value), chosen by the browser's plural rules for the page's language.
function byCount(spec, value) {
  const forms = {};
  for (const part of spec.split("|")) {
    const at = part.indexOf("=");
    forms[part.slice(0, at)] = part.slice(at + 1);
  }
  const rule = new Intl.PluralRules(language).select(Number(value));
  const form = forms[String(value)] ?? forms[rule] ?? forms.other ?? "";
  return form.split("#").join(String(value));
}

function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (name === "on") {
      for (const [event, handler] of Object.entries(value)) node.addEventListener(event, handler);
    } else if (value !== null && value !== undefined && value !== false) {
      node.setAttribute(name, value === true ? "" : String(value));
    }
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function status(message, kind) {
  const line = document.getElementById("status");
  line.textContent = message || "";
  line.className = kind || "";
}

async function api(path, options) {
  const separator = path.includes("?") ? "&" : "?";
  const response = await fetch("api/" + path + separator + "lang=" + language, {
    ...(options || {}),
    headers: { Authorization: "tma " + initData, "Content-Type": "application/json" },
  });
  if (response.status === 401) {
    status(t("console_unauthorized"), "problems");
    throw new Error("unauthorized");
  }
  return response;
}

async function json(path, options) {
  const response = await api(path, options);
  const data = await response.json();
  return { ok: response.ok, status: response.status, data };
}

function post(path, body) {
  return json(path, { method: "POST", body: JSON.stringify(body) });
}

// ------------------------------------------------------------------ Telegram HTML preview

const TAGS = new Set(["b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code",
  "pre", "blockquote", "tg-spoiler", "span"]);

function telegramHtml(source) {
  // Parsed inert (DOMParser runs no script and loads nothing); only Telegram's tags are
  // rebuilt, with the text as text. Returns the preview node and whether the markup is valid.
  const parsed = new DOMParser().parseFromString("<body>" + source + "</body>", "text/html");
  let valid = true;
  function copy(from, into) {
    for (const child of from.childNodes) {
      if (child.nodeType === Node.TEXT_NODE) {
        into.append(document.createTextNode(child.textContent));
      } else if (child.nodeType === Node.ELEMENT_NODE) {
        const tag = child.tagName.toLowerCase();
        let node;
        if (!TAGS.has(tag) || (tag === "span" && child.className !== "tg-spoiler")) {
          valid = false;
          node = document.createElement("span");
        } else if (tag === "a") {
          node = document.createElement("a");
          const href = child.getAttribute("href") || "";
          if (/^(https?:|tg:|mailto:)/i.test(href)) node.setAttribute("href", href);
          node.setAttribute("rel", "noopener noreferrer");
          node.setAttribute("target", "_blank");
        } else if (tag === "tg-spoiler" || tag === "span") {
          node = document.createElement("span");
          node.className = "spoiler";
        } else {
          node = document.createElement(tag);
        }
        copy(child, node);
        into.append(node);
      }
    }
  }
  const preview = el("div", { class: "preview" });
  copy(parsed.body, preview);
  if (/<(?![\/a-zA-Z])|&(?![a-zA-Z]+;|#\d+;|#x[0-9a-fA-F]+;)/.test(source)) valid = false;
  return { node: preview, valid, length: preview.textContent.length };
}

// ------------------------------------------------------------------ answers editor

async function showAnswers() {
  const main = document.getElementById("main");
  const results = el("ul", { class: "results" });
  const editor = el("section", { id: "editor" });
  let timer = null;
  const search = el("input", {
    type: "search", id: "topic-search", placeholder: t("console_search"),
    on: { input: () => { clearTimeout(timer); timer = setTimeout(find, 150); } },
  });
  async function find() {
    const { data } = await json("topics?q=" + encodeURIComponent(search.value));
    results.replaceChildren(...(data.length ? data.map((topic) => el("li", {},
      el("button", { class: "secondary", "data-topic": topic.id, on: { click: () => openTopic(topic.id, editor) } },
        topic.title[language] || topic.id))) : [el("li", {}, t("console_none"))]));
  }
  main.replaceChildren(search, results, editor);
  await find();
  if (current) await openTopic(current.entry, editor);
}

function lines(text) {
  return text.split("\n").map((line) => line.trim()).filter((line) => line);
}

function diff(before, after) {
  // A line diff (longest common subsequence): "-" lines left out, "+" lines added.
  const a = before.split("\n"), b = after.split("\n");
  const table = Array.from({ length: a.length + 1 }, () => new Array(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      table[i][j] = a[i] === b[j] ? table[i + 1][j + 1] + 1 : Math.max(table[i + 1][j], table[i][j + 1]);
    }
  }
  const out = [];
  let i = 0, j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) { out.push(["", a[i]]); i++; j++; }
    else if (j < b.length && (i >= a.length || table[i][j + 1] >= table[i + 1][j])) { out.push(["+", b[j]]); j++; }
    else { out.push(["-", a[i]]); i++; }
  }
  return out;
}

function versionText(version) {
  return LANGUAGES.map((lang) => `[${lang}] ${version.title[lang]}\n${version.answer[lang]}\n` +
    version.examples[lang].map((e) => "? " + e).join("\n")).join("\n\n");
}

async function openTopic(entryId, editor) {
  const { ok, data } = await json("topics/" + encodeURIComponent(entryId));
  if (!ok) { status(t("console_error"), "problems"); return; }
  current = data;
  const fields = {};
  const columns = LANGUAGES.map((lang) => {
    const title = el("input", { class: "wide", name: "title-" + lang, value: data.title[lang], maxlength: 30 });
    const answer = el("textarea", { name: "answer-" + lang, rows: 10 });
    answer.value = data.answer[lang];
    const examples = el("textarea", { name: "examples-" + lang, rows: 5 });
    examples.value = data.examples[lang].join("\n");
    const preview = el("div", { class: "preview-box", "data-lang": lang });
    const count = el("div", { class: "count" });
    function render() {
      const shown = telegramHtml(answer.value);
      preview.replaceChildren(shown.node);
      count.textContent = t("console_length", { count: shown.length }) +
        (shown.length > 4096 ? " — " + t("console_too_long") : "") +
        (shown.valid ? "" : " — " + t("console_bad_html"));
      count.className = shown.length > 4096 || !shown.valid ? "count bad" : "count";
    }
    answer.addEventListener("input", render);
    render();
    fields[lang] = { title, answer, examples };
    return el("div", { class: "language", lang },
      el("h2", {}, lang.toUpperCase()),
      el("label", {}, t("console_field_title"), title),
      el("label", {}, t("console_field_answer"), answer),
      el("label", {}, t("console_preview")), preview, count,
      el("label", {}, t("console_field_examples"), examples));
  });
  const problems = el("ul", { class: "problems", id: "problems" });
  const save = el("button", { id: "save", on: { click: async () => {
    const body = { title: {}, answer: {}, examples: {} };
    for (const lang of LANGUAGES) {
      body.title[lang] = fields[lang].title.value;
      body.answer[lang] = fields[lang].answer.value;
      body.examples[lang] = lines(fields[lang].examples.value);
    }
    save.disabled = true;
    try {
      const result = await post("topics/" + encodeURIComponent(entryId), body);
      showProblems(result, problems, "console_saved");
      if (result.ok) await openTopic(entryId, editor);
    } finally { save.disabled = false; }
  } } }, t("console_save"));
  const history = el("ul", { class: "history" });
  const versions = [...data.history.map((v, index) => [v, index]), [data.original, -1]];
  for (const [version, index] of versions) {
    const label = index === -1 ? t("console_original")
      : t("console_version", { date: version.at.replace("T", " ").slice(0, 16), name: version.by_name || version.by });
    const changes = el("pre", { class: "diff" }, diff(versionText(version), versionText(data)).filter(([m]) => m)
      .map(([mark, line]) => el("div", { class: mark === "+" ? "add" : "del" }, mark + " " + line)));
    history.append(el("li", {}, el("div", {}, label), index === 0 ? null : changes,
      index === 0 ? null : el("button", { class: "secondary revert", "data-index": index, on: { click: async () => {
        const result = await post("topics/" + encodeURIComponent(entryId) + "/revert", { index });
        showProblems(result, problems, "console_reverted");
        if (result.ok) await openTopic(entryId, editor);
      } } }, t("console_revert"))));
  }
  editor.replaceChildren(
    el("h2", {}, data.title[language] + " (" + data.entry + ")"),
    el("div", { class: "languages" }, columns), problems, save,
    el("h2", {}, t("console_history")),
    ...(data.history.length ? [] : [el("p", {}, t("console_no_history"))]), history);
}

function showProblems(result, list, done) {
  if (result.ok) {
    list.replaceChildren();
    status(t(done), "ok");
    return;
  }
  status(t("console_refused"), "problems");
  list.replaceChildren(...(result.data.problems || [t("console_error")]).map((p) => el("li", {}, p)));
}

// ------------------------------------------------------------------ leads

async function showLeads() {
  const main = document.getElementById("main");
  const form = el("form", { class: "filters", id: "lead-filters", on: { submit: (e) => e.preventDefault() } });
  const table = el("div", { class: "table" });
  const count = el("p", { class: "count", id: "lead-count" });
  const controls = {};
  let offset = 0; // the first row shown: pages are cut by the server
  const filtered = () => { offset = 0; return load(); };
  function select(name, label, options) {
    const node = el("select", { name, on: { change: filtered } },
      options.map(([value, text]) => el("option", { value }, text)));
    controls[name] = node;
    return el("label", {}, label, node);
  }
  function input(name, label, type) {
    const node = el("input", { name, type, on: { change: filtered } });
    controls[name] = node;
    return el("label", {}, label, node);
  }
  function query() {
    const parts = [];
    for (const [name, node] of Object.entries(controls)) {
      if (node.value) parts.push(name + "=" + encodeURIComponent(node.value));
    }
    return parts.join("&");
  }
  let firstLoad = true;
  let requested = 0;  // the latest page asked for: an older answer arriving late is dropped
  async function load() {
    const mine = ++requested;
    const { data } = await json("leads?" + query() + "&offset=" + offset);
    if (mine !== requested) return;
    if (firstLoad) {
      firstLoad = false;
      const statuses = data.choices.statuses.map((s) => [s, t("coordinator_status_" + s)]);
      form.replaceChildren(
        select("status", t("console_filter_status"), [["", t("console_filter_all")], ...statuses]),
        input("from", t("console_filter_from"), "date"),
        input("to", t("console_filter_to"), "date"),
        input("country", t("console_filter_country"), "search"),
        select("level", t("console_filter_level"), [["", t("console_filter_all")], ...data.choices.levels.map((l) => [l, l])]),
        select("interest", t("console_filter_interest"), [["", t("console_filter_all")],
          ...data.choices.interests.map((i) => [i, data.titles[i] || i])]),
        select("sort", t("console_sort"), [["updated_at", t("console_col_updated")], ["created_at", t("console_col_created")],
          ["name", t("console_col_name")], ["country", t("console_filter_country")], ["status", t("console_filter_status")]]),
        el("label", {}, "\u00a0", el("button", { type: "button", id: "download", on: { click: download } }, t("console_download"))));
    }
    offset = data.offset;
    count.textContent = t("console_count",
      { first: data.rows.length ? offset + 1 : 0, last: offset + data.rows.length, total: data.total });
    const turn = (id, key, to, enabled) => el("button", { type: "button", class: "secondary", id,
      disabled: !enabled, on: { click: () => { offset = to; return load(); } } }, t(key));
    pages.replaceChildren(
      turn("leads-previous", "console_page_previous", Math.max(0, offset - data.page), offset > 0),
      turn("leads-next", "console_page_next", offset + data.page, offset + data.rows.length < data.total));
    const head = el("tr", {}, [t("console_col_name"), t("console_col_email"), t("console_filter_country"),
      t("console_filter_level"), t("console_filter_interest"), t("console_col_created"), t("console_filter_status"), ""]
      .map((h) => el("th", {}, h)));
    const rows = data.rows.map((lead) => {
      const state = el("td", { class: "status" }, t("coordinator_status_" + lead.status));
      const mark = (value, key) => el("button", { class: "secondary", "data-status": value, on: { click: async () => {
        const result = await post("leads/" + lead.user_id + "/status", { status: value });
        if (result.ok) state.textContent = t("coordinator_status_" + result.data.status);
      } } }, t(key));
      return el("tr", { "data-user": lead.user_id },
        el("td", { class: "name" }, lead.name), el("td", {}, lead.email), el("td", {}, lead.country),
        el("td", {}, lead.level), el("td", {}, lead.interests.map((i) => data.titles[i] || i).join(", ")),
        el("td", {}, lead.created_at), state,
        el("td", { class: "actions" }, mark("contacted", "console_mark_contacted"),
          mark("not_relevant", "console_mark_not_relevant")));
    });
    table.replaceChildren(el("table", { id: "leads" }, el("thead", {}, head), el("tbody", {}, rows)));
  }
  async function download() {
    const response = await api("leads.xlsx?" + query());
    const blob = await response.blob();
    const link = el("a", { href: URL.createObjectURL(blob), download: "leads.xlsx" });
    document.body.append(link);
    link.click();
    link.remove();
  }
  const pages = el("div", { class: "buttons pages" });
  main.replaceChildren(form, count, table, pages);
  await load();
}

// ------------------------------------------------------------------ teach

async function showTeach() {
  const main = document.getElementById("main");
  const { data: listing } = await json("unanswered");
  if (listing.pending) setTimeout(() => { if (tab === "teach") showTeach(); }, 1000);
  const data = listing.groups;
  if (!data.length) {
    main.replaceChildren(el("p", { class: listing.pending ? "pending" : "" },
      listing.pending ? "…" : t("console_teach_none")));
    return;
  }
  main.replaceChildren(...data.map((group) => {
    const buttons = el("div", { class: "buttons" });
    const learn = (topic) => el("button", { class: "learn", "data-topic": topic.id, on: { click: async () => {
      const result = await post("unanswered/" + group.id, { entry: topic.id });
      if (result.ok) { status(t("console_learned"), "ok"); await showTeach(); }
      else status((result.data.problems || [t("console_error")]).join(" · "), "problems");
    } } }, t("console_add_as") + ": " + topic.title);
    buttons.append(...group.nearest.map(learn));
    const found = el("div", { class: "buttons" });
    const search = el("input", { type: "search", placeholder: t("console_search"), on: { input: async () => {
      const result = await json("topics?q=" + encodeURIComponent(search.value));
      found.replaceChildren(...result.data.slice(0, 8).map((topic) => learn({ id: topic.id, title: topic.title[language] })));
    } } });
    const ignore = el("button", { class: "secondary", on: { click: async () => {
      await post("unanswered/" + group.id, { entry: "" });
      await showTeach();
    } } }, t("console_ignore"));
    return el("div", { class: "group", "data-group": group.id },
      el("div", { class: "count" }, t("console_asked", { count: group.count })),
      el("ul", {}, group.samples.map((s) => el("li", {}, s))),
      buttons, search, found, el("div", { class: "buttons" }, ignore));
  }));
}

// ------------------------------------------------------------------ statistics

async function showStats() {
  const main = document.getElementById("main");
  const days = el("input", { type: "number", min: 1, max: 365, value: 30, name: "days", on: { change: load } });
  const summary = el("div", { id: "summary" });
  const chart = el("img", { class: "chart", alt: t("console_tab_stats") });
  async function load() {
    const { data } = await json("stats?days=" + days.value);
    if (!data.summary) { // the figures are being computed: ask again in a moment
      summary.replaceChildren(el("p", { class: "pending" }, "…"));
      setTimeout(() => { if (tab === "stats") load(); }, 1000);
      return;
    }
    summary.replaceChildren(telegramHtml(data.summary).node);
    const png = await api("stats.png?days=" + days.value);
    chart.src = URL.createObjectURL(await png.blob());
  }
  main.replaceChildren(el("label", {}, t("console_days") + " ", days), summary, chart);
  await load();
}

// ------------------------------------------------------------------ start

const TABS = [["answers", showAnswers], ["leads", showLeads], ["teach", showTeach], ["stats", showStats]];
let tab = "answers";

function applyTheme() {
  const params = (webApp && webApp.themeParams) || {};
  for (const [name, value] of Object.entries(params)) {
    if (/^#[0-9a-fA-F]{3,8}$/.test(value)) {
      document.documentElement.style.setProperty("--tg-theme-" + name.replaceAll("_", "-"), value);
    }
  }
}

async function start() {
  if (webApp) { webApp.ready(); webApp.expand && webApp.expand(); }
  applyTheme();
  const user = webApp && webApp.initDataUnsafe && webApp.initDataUnsafe.user;
  const code = (localStorage.getItem("console-language") || (user && user.language_code) || "en").slice(0, 2);
  language = LANGUAGES.includes(code) ? code : "en";
  const chooser = document.getElementById("language");
  chooser.value = language;
  chooser.addEventListener("change", async () => {
    language = chooser.value;
    localStorage.setItem("console-language", language);
    await load();
  });
  await load();
}

async function load() {
  texts = await (await fetch("texts/" + language + ".json")).json();
  const { data } = await json("me");
  language = data.lang;
  document.documentElement.lang = language;
  document.title = t("console_title");
  document.getElementById("title").textContent = t("console_title");
  document.getElementById("language").setAttribute("aria-label", t("console_language"));
  const nav = document.getElementById("tabs");
  nav.replaceChildren(...TABS.map(([name, show]) => el("button", {
    id: "tab-" + name, class: "secondary", "aria-selected": String(name === tab),
    on: { click: async () => { tab = name; status(""); await load(); } },
  }, t("console_tab_" + name))));
  const show = TABS.find(([name]) => name === tab)[1];
  await show();
}

start().catch((error) => { if (error.message !== "unauthorized") status(t("console_error"), "problems"); });
