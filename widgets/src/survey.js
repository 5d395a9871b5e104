// <tinget-survey dialog="…">: a survey's questionnaire in the visitor's language, every
// question type Tinget has, questions shown only when their condition on an earlier answer
// holds, and the one response sent; each refused answer is named beside its question. The
// answers so far are kept as a draft (PUT .../responses/draft) a moment after each change,
// and when the page is left; the survey opened again (a reload, the tab coming back) resumes
// them; the response sent does away with the draft.
import { Widget, define, escape } from "./common.js";

const CHOOSING = new Set(["single-choice", "multiple-choice"]);
const SCALES = new Set(["rating", "likert"]);
const DRAFT_DELAY = 800; // ms after the last change before the draft is saved

class Survey extends Widget {
  async start() {
    const id = this.idOf("dialog");
    const language = encodeURIComponent(this.language);
    this.dialogId = id;
    const view = await this.call("GET", `/api/v1/dialogs/${id}/questionnaire?language=${language}`, {
      auth: true,
    });
    const form = view.questionnaire;
    this.version = view.version;
    this.questions = form.sections.flatMap((section) => section.questions);
    if (view.answered) {
      this.show(`<h2 part="heading">${escape(form.title)}</h2><p class="status" role="status" aria-live="polite"></p>`);
      this.say(this.t("surveyAnswered"));
      return;
    }
    const sections = form.sections
      .map(
        (section) => `<section>
          ${section.title ? `<h3>${escape(section.title)}</h3>` : ""}
          ${section.description ? `<p class="help">${escape(section.description)}</p>` : ""}
          ${section.questions.map((q) => this.question(q)).join("")}
        </section>`,
      )
      .join("");
    this.show(`
      <h2 id="${this.id("h")}" part="heading">${escape(form.title)}</h2>
      ${form.introduction ? `<p>${escape(form.introduction)}</p>` : ""}
      <p class="help draft-note">${this.t("draftNote")}</p>
      <form novalidate aria-labelledby="${this.id("h")}">
        ${sections}
        <button type="submit" part="button">${this.t("send")}</button>
      </form>
      <p class="status" role="status" aria-live="polite"></p>`);
    this.form.addEventListener("input", () => this.changed());
    this.form.addEventListener("change", () => this.changed());
    this.form.addEventListener("submit", (event) => this.send(event));
    this.conditions();
    await this.resumeDraft();
    this.leaving = () => this.flushDraft();
    window.addEventListener("pagehide", this.leaving);
  }

  stop() {
    if (this.leaving) window.removeEventListener("pagehide", this.leaving);
    this.flushDraft();
  }

  resume() {
    if (this.leaving) window.addEventListener("pagehide", this.leaving);
  }

  changed() {
    this.conditions();
    if (this.done) return;
    clearTimeout(this.draftTimer);
    this.draftTimer = setTimeout(() => this.saveDraft(), DRAFT_DELAY);
  }

  /** The answers kept from before (this device or another of the person's), filled in. */
  async resumeDraft() {
    let draft;
    try {
      draft = await this.call("GET", `/api/v1/dialogs/${this.dialogId}/responses/draft`, { auth: true });
    } catch {
      return; // none (404), or none to be had: the form starts empty
    }
    if (!draft || !Object.keys(draft.answers).length) return;
    this.fill(draft.answers);
    this.savedDraft = JSON.stringify(this.answers());
    this.say(this.t("draftResumed"));
  }

  /** Puts ``answers`` (as the API keeps them) into the form's controls. */
  fill(answers) {
    const named = (name) => [...this.form.querySelectorAll(`[name="${CSS.escape(name)}"]`)];
    for (const q of this.questions) {
      const value = answers[q.id];
      if (value === undefined || value === null) continue;
      if (CHOOSING.has(q.type) || SCALES.has(q.type)) {
        const chosen = [].concat(value).map(String);
        for (const input of named(q.id)) input.checked = chosen.includes(input.value);
      } else if (q.type === "matrix") {
        for (const [row, point] of Object.entries(value)) {
          for (const input of named(`${q.id}.${row}`)) input.checked = input.value === String(point);
        }
      } else if (q.type === "ranking") {
        const order = [].concat(value);
        for (const select of named(q.id)) {
          const place = order.indexOf(select.dataset.option);
          select.value = place < 0 ? "" : String(place + 1);
        }
      } else {
        const input = named(q.id)[0];
        if (input) input.value = String(value);
      }
    }
    this.conditions();
  }

  /** Saves the answers so far, one save at a time; an answer the API refuses (a number
   * half typed) is left out of the draft, the rest kept. Nothing is said: a draft is a
   * convenience, and the response names every refused answer when it is sent. */
  async saveDraft({ keepalive = false } = {}) {
    clearTimeout(this.draftTimer);
    this.draftTimer = null;
    if (this.done) return;
    if (this.saving) {
      this.again = true;
      return this.saving;
    }
    const answers = this.answers();
    const json = JSON.stringify(answers);
    if (json === (this.savedDraft ?? "{}")) return;
    this.saving = (async () => {
      const path = `/api/v1/dialogs/${this.dialogId}/responses/draft`;
      const put = (given) => this.call("PUT", path, { body: { version: this.version, answers: given }, auth: true, keepalive });
      try {
        await put(answers);
        this.savedDraft = json;
      } catch (error) {
        const refused = (error.problem?.errors || []).map((e) => String(e.field).replace(/^answers\./, "").split(".")[0]);
        if (error.status === 422 && refused.length) {
          const kept = Object.fromEntries(Object.entries(answers).filter(([id]) => !refused.includes(id)));
          await put(kept).catch(() => {});
        }
      }
    })();
    try {
      await this.saving;
    } finally {
      this.saving = null;
    }
    if (this.again) {
      this.again = false;
      await this.saveDraft({ keepalive });
    }
  }

  /** The page is being left with a change not saved yet: saved now, outliving the page. */
  flushDraft() {
    if (this.draftTimer) this.saveDraft({ keepalive: true });
  }

  /** The answers given so far, to the questions shown, as the API takes them. */
  answers() {
    const answers = {};
    for (const q of this.questions) {
      if (!this.shown(q)) continue;
      const value = this.answer(q);
      if (value !== undefined) answers[q.id] = value;
    }
    return answers;
  }

  /** One question's controls: a fieldset for choices and scales, else a labelled input;
   * its error slot is ``answers.<id>``, the field the API names. */
  question(q) {
    const field = `answers.${q.id}`;
    const base = this.id(`q-${q.id}`);
    const error = `${base}-error`;
    const help = q.help ? `<p class="help" id="${base}-help">${escape(q.help)}</p>` : "";
    const described = `${error}${q.help ? ` ${base}-help` : ""}`;
    const required = q.required ? ` <span class="meta">${this.t("questionRequired")}</span>` : "";
    const slot = `<p class="error" id="${error}" data-field="${escape(field)}" aria-live="assertive"></p>`;
    const wrap = (inner) => `<div class="question" data-question="${escape(q.id)}" part="question">${inner}</div>`;
    const group = (inner) =>
      wrap(`<fieldset aria-describedby="${described}"><legend>${escape(q.text)}${required}</legend>${help}${inner}</fieldset>${slot}`);
    const choice = (type, name, value, label, i) => {
      const id = `${base}-${i}`;
      return `<div class="choice"><input type="${type}" id="${id}" name="${escape(name)}" value="${escape(value)}"><label for="${id}">${escape(label)}</label></div>`;
    };
    const points = (scale, name) => {
      const list = [];
      for (let p = scale.min; p <= scale.max; p++) {
        const end = p === scale.min ? scale.min_label : p === scale.max ? scale.max_label : null;
        list.push(choice("radio", name, String(p), end ? `${p} (${end})` : String(p), `${name}-${p}`));
      }
      return `<div class="row scale">${list.join("")}</div>`;
    };
    if (CHOOSING.has(q.type)) {
      const type = q.type === "single-choice" ? "radio" : "checkbox";
      return group(q.options.map((o, i) => choice(type, q.id, o.id, o.label, i)).join(""));
    }
    if (SCALES.has(q.type)) return group(points(q.scale || { min: 1, max: 5 }, q.id));
    if (q.type === "matrix") {
      const rows = q.rows
        .map((row) => `<fieldset><legend>${escape(row.label)}</legend>${points(q.scale || { min: 1, max: 5 }, `${q.id}.${row.id}`)}</fieldset>`)
        .join("");
      return group(rows);
    }
    if (q.type === "ranking") {
      const places = q.top || q.options.length;
      const select = (o, i) => {
        const id = `${base}-${i}`;
        const chosen = [`<option value="">${this.t("notRanked")}</option>`];
        for (let p = 1; p <= places; p++) chosen.push(`<option value="${p}">${this.t("rank")} ${p}</option>`);
        return `<div><label for="${id}">${escape(o.label)}</label><select id="${id}" name="${escape(q.id)}" data-option="${escape(o.id)}">${chosen.join("")}</select></div>`;
      };
      return group(q.options.map(select).join(""));
    }
    // a single control: number, text, date
    let control;
    const attrs = `id="${base}" name="${escape(q.id)}" aria-describedby="${described}" part="input"`;
    if (q.type === "text" && q.size === "long") control = `<textarea ${attrs}></textarea>`;
    else if (q.type === "number") control = `<input ${attrs} type="text" inputmode="decimal">`;
    else if (q.type === "date") control = `<input ${attrs} type="date"${q.earliest ? ` min="${escape(q.earliest)}"` : ""}${q.latest ? ` max="${escape(q.latest)}"` : ""}>`;
    else control = `<input ${attrs} type="text">`;
    return wrap(`<label for="${base}">${escape(q.text)}${required}</label>${help}${control}${slot}`);
  }

  /** The answer given to ``q`` as the API takes it, or undefined when left blank. */
  answer(q) {
    const named = (name) => [...this.form.querySelectorAll(`[name="${CSS.escape(name)}"]`)];
    const checked = (name) => named(name).filter((input) => input.checked).map((input) => input.value);
    if (q.type === "single-choice") return checked(q.id)[0];
    if (q.type === "multiple-choice") {
      const chosen = checked(q.id);
      return chosen.length ? chosen : undefined;
    }
    if (SCALES.has(q.type)) {
      const [point] = checked(q.id);
      return point === undefined ? undefined : Number(point);
    }
    if (q.type === "matrix") {
      const rows = {};
      for (const row of q.rows) {
        const [point] = checked(`${q.id}.${row.id}`);
        if (point !== undefined) rows[row.id] = Number(point);
      }
      return Object.keys(rows).length ? rows : undefined;
    }
    if (q.type === "ranking") {
      const ranked = named(q.id)
        .filter((select) => select.value)
        .sort((a, b) => Number(a.value) - Number(b.value))
        .map((select) => select.dataset.option);
      return ranked.length ? ranked : undefined;
    }
    const value = named(q.id)[0]?.value.trim() ?? "";
    if (!value) return undefined;
    if (q.type === "number") {
      const number = Number(value.replace(",", "."));
      return Number.isNaN(number) ? value : number; // the API names a text that is no number
    }
    return value;
  }

  /** Whether ``q`` is shown: always, or when its condition on an earlier answer holds. */
  shown(q) {
    const condition = q.shown_if;
    if (!condition) return true;
    const earlier = this.questions.find((other) => other.id === condition.question);
    if (!earlier || !this.shown(earlier)) return false;
    const given = this.answer(earlier);
    if (condition.kind === "one-of") {
      const chosen = Array.isArray(given) ? given : [given];
      return chosen.some((c) => condition.options.includes(c));
    }
    return typeof given === "number" && condition.min <= given && given <= condition.max;
  }

  conditions() {
    for (const q of this.questions) {
      const element = this.form.querySelector(`[data-question="${CSS.escape(q.id)}"]`);
      if (element) element.hidden = !this.shown(q);
    }
  }

  async send(event) {
    event.preventDefault();
    this.clearErrors();
    const button = this.form.querySelector("button[type=submit]");
    const answers = this.answers();
    this.busy(button, true);
    // no draft is saved while the response goes (the two would race for the draft)
    clearTimeout(this.draftTimer);
    this.draftTimer = null;
    this.done = true;
    await this.saving;
    try {
      await this.call("POST", `/api/v1/dialogs/${this.dialogId}/responses`, {
        body: { version: this.version, answers },
        auth: true,
      });
      this.form.hidden = true;
      this.box.querySelector(".draft-note")?.setAttribute("hidden", "");
      this.say(this.t("surveyThanks"));
    } catch (error) {
      this.done = error.status === 409; // answered already: no draft to keep
      this.fail(error, { conflict: "surveyAnswered" });
    } finally {
      this.busy(button, false);
    }
  }
}
define("tinget-survey", Survey);
