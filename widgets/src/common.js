// What every widget shares, bundled into each: where the API is, the visitor's language and
// texts, the anonymous device session or a sign-in from a popup (never a cookie), API calls
// with their problems turned into messages beside the field they name, and the styles.

import { LANGUAGES, TEXTS } from "./texts.js";

// The tenant's origin: the widget's own script is served by the tenant's host, so the API is
// at the origin of the script's URL, whatever page embeds it.
export const API = new URL(import.meta.url).origin;
const TOKEN_KEY = `tinget:${API}:token`; // the host page's sessionStorage, keyed by tenant
const SIGNED_IN = "tinget:signed-in";

// The token lives in this tab's sessionStorage under the tenant's origin (shared by the
// widgets on the page, gone with the tab), or in memory where storage is refused.
let memoryToken = null;
function stored() {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return memoryToken;
  }
}
function store(token) {
  memoryToken = token;
  try {
    if (token === null) sessionStorage.removeItem(TOKEN_KEY);
    else sessionStorage.setItem(TOKEN_KEY, token);
  } catch {
    /* memory only */
  }
}

/** The visitor's language: the element's (or an ancestor's) lang, the page's, the
 * browser's, then the municipality's; one of the five Tinget speaks. */
export function languageOf(element, fallback) {
  const wanted = [
    element.closest("[lang]")?.getAttribute("lang"),
    document.documentElement.lang,
    ...(navigator.languages || [navigator.language]),
    fallback,
  ];
  for (const tag of wanted) {
    if (!tag) continue;
    let base = tag.toLowerCase().split("-")[0];
    if (base === "no" || base === "nn") base = "nb";
    if (LANGUAGES.includes(base)) return base;
  }
  return "en";
}

export function text(language, key, values = {}) {
  const template = TEXTS[language]?.[key] ?? TEXTS.en[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}

/** An API answer that is not a success: its status and RFC 9457 problem. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

/** A call of the tenant's API, with the session's token when ``auth``; a device session is
 * started when there is no token, and once more if the token is no longer valid. A network
 * failure (the browser refusing a site the municipality did not allow) is status 0.
 * ``keepalive``: the request outlives the page (a draft saved as the visitor leaves). */
export async function call(method, path, { body, raw, type, auth = false, language, dialog, keepalive } = {}) {
  for (let attempt = 0; attempt < 2; attempt++) {
    const headers = { Accept: "application/json" };
    // What is read comes in the visitor's language (a questionnaire's texts); a write's
    // refusal is asked for in English, the reasons this widget words itself in all five
    // languages (problemText), so a required field reads "fyll i det här", not msgspec's.
    const reading = method === "GET";
    if (language) headers["Accept-Language"] = reading ? language : "en";
    if (auth) headers.Authorization = `Bearer ${await token(language, dialog)}`;
    let payload;
    if (raw !== undefined) {
      payload = raw;
      headers["Content-Type"] = type;
    } else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers["Content-Type"] = "application/json";
    }
    let answer;
    try {
      answer = await fetch(API + path, { method, headers, body: payload, credentials: "omit", keepalive });
    } catch {
      throw new ApiError(0, { kind: "unreachable" });
    }
    const data = answer.status === 204 ? null : await answer.json().catch(() => null);
    if (answer.ok) return data;
    if (answer.status === 401 && auth) {
      const wasSignedIn = signedIn();
      forget(); // an expired token: a new device session once, or a new sign-in
      if (attempt === 0 && !wasSignedIn) continue;
    }
    throw new ApiError(answer.status, data);
  }
}

let starting = null;
async function token(language, dialog) {
  const have = stored();
  if (have) return have;
  starting ??= call("POST", `/api/v1/sessions/device${dialog ? `?dialog_id=${encodeURIComponent(dialog)}` : ""}`, {
    language,
  }).then(
    (issued) => {
      starting = null;
      store(issued.token);
      return issued.token;
    },
    (error) => {
      starting = null;
      throw error;
    },
  );
  return starting;
}

function forget() {
  store(null);
  try {
    sessionStorage.removeItem(SIGNED_IN);
  } catch {
    /* memory only */
  }
}

function signedIn() {
  try {
    return sessionStorage.getItem(SIGNED_IN) === API;
  } catch {
    return false;
  }
}

/** Sign-in in a popup on the tenant's own page, which posts the token back to this page;
 * only a message from the tenant's origin, of the expected shape, is taken. */
export function signInPopup() {
  const url = `${API}/sign-in?widget_origin=${encodeURIComponent(location.origin)}`;
  return new Promise((resolve, reject) => {
    const popup = window.open(url, "tinget-sign-in", "width=480,height=640");
    if (!popup) {
      reject(new Error("popup blocked"));
      return;
    }
    function received(event) {
      if (event.origin !== API || event.source !== popup) return;
      const data = event.data;
      if (!data || data.type !== "tinget:signed-in" || typeof data.token !== "string") return;
      window.removeEventListener("message", received);
      store(data.token);
      try {
        sessionStorage.setItem(SIGNED_IN, API);
      } catch {
        /* memory only */
      }
      resolve(data.token);
    }
    window.addEventListener("message", received);
  });
}

let branding = null;
/** The municipality's branding (colours), once per widget bundle and page. */
export function brandingOnce(language) {
  branding ??= call("GET", "/api/v1/branding", { language }).catch(() => null);
  return branding;
}

function luminance(hex) {
  const m = /^#?([0-9a-f]{6})$/i.exec(hex || "");
  if (!m) return null;
  const [r, g, b] = [0, 2, 4].map((i) => {
    const c = parseInt(m[1].slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** The branding as the widget's default custom properties: the host page's own
 * --tinget-* properties win, as they are read first. Text on the primary colour is white or
 * near-black, whichever has the contrast. */
function brandingCss(brand) {
  const primary = brand?.primary_colour;
  const l = luminance(primary);
  if (l === null) return "";
  const on = (l + 0.05) / 0.05 > 1.05 / (l + 0.05) ? "#111111" : "#ffffff";
  return `:host{--_brand-primary:${primary};--_brand-on-primary:${on}}`;
}

const STYLE = `
:host{display:block;--_primary:var(--tinget-primary,var(--_brand-primary,#1f4e9c));
--_on-primary:var(--tinget-on-primary,var(--_brand-on-primary,#fff));
--_text:var(--tinget-text,#1a1a1a);--_bg:var(--tinget-background,#fff);
--_muted:var(--tinget-muted,#555);--_error:var(--tinget-error,#a4000f);
--_radius:var(--tinget-radius,6px);font-family:var(--tinget-font,system-ui,sans-serif);
color:var(--_text);max-width:var(--tinget-max-width,40rem)}
[hidden]{display:none!important}
.box{background:var(--_bg);border:1px solid var(--tinget-border,#8a8a8a);border-radius:var(--_radius);padding:1rem}
h2{font-size:1.25rem;margin:0 0 .5rem}
p{margin:.25rem 0 .75rem}
label,legend{display:block;font-weight:600;margin:.5rem 0 .25rem}
input,textarea,select{box-sizing:border-box;width:100%;font:inherit;color:var(--_text);background:var(--_bg);
border:1px solid #6b6b6b;border-radius:var(--_radius);padding:.5rem}
input[type=radio],input[type=checkbox]{width:auto;margin-right:.5rem}
fieldset{border:0;margin:0;padding:0}
textarea{min-height:6rem;resize:vertical}
button{font:inherit;font-weight:600;cursor:pointer;border-radius:var(--_radius);padding:.5rem 1rem;
border:2px solid var(--_primary);background:var(--_primary);color:var(--_on-primary);margin:.5rem .5rem 0 0}
button.secondary{background:var(--_bg);color:var(--_primary)}
button[disabled]{opacity:.7;cursor:progress}
:focus-visible{outline:3px solid var(--tinget-focus,#ffbf47);outline-offset:2px}
[aria-invalid=true]{border-color:var(--_error);border-width:2px}
.error{color:var(--_error);font-weight:600;margin:.25rem 0}
.error:empty{display:none}
.help,.meta{color:var(--_muted);font-size:.9rem}
.status:empty{display:none}
.status{margin-top:.75rem;font-weight:600}
.bar{background:#e6e6e6;border-radius:var(--_radius);height:.75rem;overflow:hidden;margin:.25rem 0 .5rem}
.bar>span{display:block;height:100%;background:var(--_primary);transition:width .4s}
ul{list-style:none;padding:0;margin:0}
li.item{border-top:1px solid #ccc;padding:.75rem 0}
.choice label{display:inline;font-weight:400}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.row{display:flex;gap:.75rem;flex-wrap:wrap}
.row>*{flex:1 1 8rem}
.row.scale>*{flex:0 0 auto}
.question{margin:0 0 1rem}
`;

let nextId = 0;
let sheet = null;

/** A widget: a custom element with a shadow root, the visitor's language, the branding's
 * colours, a status line read out by screen readers, and problem messages beside fields. */
export class Widget extends HTMLElement {
  constructor() {
    super();
    this.root = this.attachShadow({ mode: "open" });
    this.uid = `t${++nextId}`;
  }

  async connectedCallback() {
    if (this.started) {
      this.resume?.(); // moved on the page: what disconnecting stopped starts again
      return;
    }
    this.started = true;
    this.language = languageOf(this);
    // Constructed style sheets: no inline <style>, so a host page's Content-Security-Policy
    // need not allow inline styles.
    if (!sheet) {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(STYLE);
    }
    const brandSheet = new CSSStyleSheet();
    this.root.adoptedStyleSheets = [sheet, brandSheet];
    this.root.innerHTML = `<div class="box" part="box" lang="${this.language}"><p class="status" role="status" aria-live="polite">${this.t("loading")}</p></div>`;
    this.box = this.root.querySelector(".box");
    brandingOnce(this.language).then((brand) => brandSheet.replaceSync(brandingCss(brand)));
    try {
      await this.start();
    } catch (error) {
      this.show(`<p class="status" role="status" aria-live="polite"></p>`);
      this.say(this.problemText(error));
    }
  }

  disconnectedCallback() {
    this.stop?.();
  }

  /** The id the element names in ``name`` (``dialog``, ``post``): a UUID, else not found. */
  idOf(name) {
    const given = (this.getAttribute(name) || "").trim().toLowerCase();
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(given)) {
      throw new ApiError(404, { detail: `${name}: not an id` });
    }
    return given;
  }

  t(key, values) {
    return text(this.language, key, values);
  }

  id(name) {
    return `${this.uid}-${name}`;
  }

  /** Replaces the widget's content (``html`` is built from escaped values only). */
  show(html) {
    this.box.innerHTML = html;
    this.status = this.box.querySelector(".status");
    this.form = this.box.querySelector("form");
  }

  say(message, { error = false } = {}) {
    if (!this.status) return;
    this.status.textContent = message;
    this.status.classList.toggle("error", error);
  }

  call(method, path, options = {}) {
    return call(method, path, {
      language: this.language,
      dialog: this.dialogId || this.dialog?.id,
      ...options,
    });
  }

  /** The visitor's words for a failed call: the problem's field and reason in the widget's
   * language where Tinget's reasons are known, else the API's own detail. */
  problemText(error, context = {}, label = null) {
    if (!(error instanceof ApiError)) return this.t("failed", { detail: String(error.message || error) });
    const { status, problem } = error;
    if (status === 0) return this.t("unreachable");
    if (status === 404) return this.t("notFound");
    if (status === 429) return this.t("tooMany");
    if (status === 503) return this.t("busy");
    if (problem.type?.endsWith("/dialog-not-open")) return this.t("closed");
    if (status === 409 && context.conflict) return this.t(context.conflict);
    if (status === 401 || problem.type?.endsWith("/sign-in-needed"))
      return this.t("signInNeeded");
    if (problem.field) return this.fieldText(problem.field, reasonOf(problem), label);
    return this.t("failed", { detail: problem.detail || status });
  }

  fieldText(field, reason, shown) {
    const leaf = field.replace(/\[\d+\]$/, "").split(".").pop();
    const label = shown || (TEXTS.en[`field_${leaf}`] ? this.t(`field_${leaf}`) : field);
    let found;
    if ((found = /length >= (\d+)/.exec(reason)))
      return found[1] === "1" ? this.t("required", { field: label }) : this.t("atLeast", { field: label, n: found[1] });
    if ((found = /length <= (\d+)/.exec(reason)))
      return this.t("atMost", { field: label, n: Number(found[1]).toLocaleString(this.language) });
    if (/missing required field|is required|needs its/i.test(reason))
      return this.t("required", { field: label });
    const rules = [
      [/^must be at least (\S+)$/, "minValue"],
      [/^must be at most (\S+)$/, "maxValue"],
      [/^choose at least (\d+)/, "chooseAtLeast"],
      [/^choose at most (\d+)/, "chooseAtMost"],
      [/^must be a whole number/, "wholeNumber"],
      [/^must be a number$/, "aNumber"],
    ];
    for (const [pattern, key] of rules) {
      if ((found = pattern.exec(reason))) return this.t(key, { field: label, n: found[1] });
    }
    if ((found = /^must be from (\S+) to (\S+)$/.exec(reason)))
      return this.t("between", { field: label, min: found[1], max: found[2] });
    if (leaf === "latitude") return this.t("between", { field: label, min: -90, max: 90 });
    if (leaf === "longitude") return this.t("between", { field: label, min: -180, max: 180 });
    return this.t("invalid", { field: label, reason });
  }

  /** Shows a failed call: each problem beside the field it names when the form has it (the
   * field is marked invalid, the first focused), else in the status line. */
  fail(error, context) {
    const problem = error instanceof ApiError ? error.problem : {};
    const named = problem.errors?.length ? problem.errors : problem.field ? [problem] : [];
    let first = null;
    let shown = 0;
    for (const item of named) {
      const slot = this.slotFor(item.field);
      if (!slot) continue;
      shown++;
      // the field by the words its label or legend shows, without a trailing "(optional)"
      const input = this.form.querySelector(`[aria-describedby~="${slot.id}"]`);
      const words = (input?.labels?.[0] || input?.querySelector?.("legend"))?.textContent;
      const single = new ApiError(error.status, { ...problem, field: item.field, errors: [item] });
      const message = this.problemText(single, context, words?.replace(/\s*\(.*\)$/, "").trim());
      slot.textContent = slot.textContent ? `${slot.textContent} ${message}` : message;
      if (input) {
        input.setAttribute("aria-invalid", "true");
        first ??= input.matches("fieldset") ? input.querySelector("input,select,textarea") : input;
      }
    }
    if (shown) {
      first?.focus();
      this.say("");
    } else {
      this.say(this.problemText(error, context), { error: true });
    }
    if (this.problemText(error) === this.t("signInNeeded")) {
      this.offerSignIn();
    }
  }

  /** The error slot of the API's ``field`` or of the nearest field around it
   * (``answers.grid.row1`` → ``answers.grid``; ``choices[0]`` → ``choices``). */
  slotFor(field) {
    if (!field || !this.form) return null;
    let path = field;
    while (path) {
      const slot = this.form.querySelector(`[data-field="${CSS.escape(path)}"]`);
      if (slot) return slot;
      const cut = Math.max(path.lastIndexOf("."), path.lastIndexOf("["));
      path = cut > 0 ? path.slice(0, cut) : "";
    }
    return null;
  }

  clearErrors() {
    for (const slot of this.box.querySelectorAll(".error[data-field]")) slot.textContent = "";
    for (const input of this.box.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
    this.say("");
  }

  offerSignIn() {
    if (this.box.querySelector("button.sign-in")) return;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "secondary sign-in";
    button.setAttribute("part", "button sign-in");
    button.textContent = this.t("signIn");
    button.addEventListener("click", () =>
      signInPopup().then(
        () => this.say(this.t("signedIn")),
        () => {},
      ),
    );
    this.box.append(button);
  }

  /** A labelled input or textarea with its error slot (``field``: the API's field name). */
  field(field, label, { tag = "input", type = "text", help = "", attrs = "" } = {}) {
    const id = this.id(field);
    const error = `${id}-error`;
    const helpId = help ? ` ${id}-help` : "";
    const control =
      tag === "textarea"
        ? `<textarea id="${id}" name="${field}" aria-describedby="${error}${helpId}" part="input" ${attrs}></textarea>`
        : `<input id="${id}" name="${field}" type="${type}" aria-describedby="${error}${helpId}" part="input" ${attrs}>`;
    return `<label for="${id}">${escape(label)}</label>${help ? `<p class="help" id="${id}-help">${escape(help)}</p>` : ""}${control}<p class="error" id="${error}" data-field="${field}" aria-live="assertive"></p>`;
  }

  busy(button, on) {
    button.disabled = on;
    if (on) {
      button.dataset.label = button.textContent;
      button.textContent = this.t("sending");
    } else if (button.dataset.label) {
      button.textContent = button.dataset.label;
    }
  }
}

function reasonOf(problem) {
  const named = problem.errors?.find((e) => e.field === problem.field);
  return named?.reason || String(problem.detail || "").replace(/^[^:]*:\s*/, "");
}

const ENTITIES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export function escape(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

export function define(name, element) {
  if (!customElements.get(name)) customElements.define(name, element);
}
