// A quick poll or a vox pop: the question, one ballot per visitor (an anonymous device
// session unless the dialog asks for sign-in), and the results moving live as votes come in
// (server-sent events from the tenant's API).

import { API, Widget, escape } from "./common.js";

export class Poll extends Widget {
  vox = false;

  async start() {
    this.dialog = await this.call("GET", `/api/v1/dialogs/${this.idOf("dialog")}`);
    const settings = this.dialog.settings;
    const question = settings.question || this.dialog.title;
    const multiple = !this.vox && settings.max_choices > 1;
    const choices = settings.options
      .map((option, i) => {
        if (this.vox) {
          return `<button type="submit" name="choice" value="${escape(option)}" part="button choice">${escape(this.label(option))}</button>`;
        }
        const input = this.id(`o${i}`);
        return `<div class="choice"><input type="${multiple ? "checkbox" : "radio"}" id="${input}" name="choice" value="${escape(option)}"><label for="${input}">${escape(option)}</label></div>`;
      })
      .join("");
    this.show(`
      <h2 id="${this.id("q")}" part="heading">${escape(question)}</h2>
      ${this.dialog.purpose ? `<p class="help">${escape(this.dialog.purpose)}</p>` : ""}
      <form novalidate aria-labelledby="${this.id("q")}">
        <fieldset aria-describedby="${this.id("choices")}-error"><legend class="visually-hidden">${escape(question)}</legend>
        ${choices}
        <p class="error" id="${this.id("choices")}-error" data-field="choices" aria-live="assertive"></p>
        </fieldset>
        ${this.vox ? "" : `<button type="submit" part="button">${this.t("vote")}</button>`}
      </form>
      <p class="status" role="status" aria-live="polite"></p>
      <section aria-labelledby="${this.id("r")}" part="results">
        <h3 id="${this.id("r")}">${this.t("results")}</h3>
        <div class="results" role="status" aria-live="polite" aria-atomic="true"></div>
      </section>`);
    this.results = this.box.querySelector(".results");
    this.form.addEventListener("submit", (event) => this.vote(event));
    this.watch();
  }

  label(option, given) {
    return this.vox && (option === "yes" || option === "no") ? this.t(option) : (given ?? option);
  }

  async vote(event) {
    event.preventDefault();
    this.clearErrors();
    const chosen = this.vox
      ? [event.submitter?.value].filter(Boolean)
      : [...this.form.querySelectorAll("input:checked")].map((input) => input.value);
    const buttons = [...this.form.querySelectorAll("button")];
    buttons.forEach((b) => (b.disabled = true));
    try {
      await this.call("POST", `/api/v1/dialogs/${this.dialog.id}/votes`, {
        body: { choices: chosen },
        auth: true,
      });
      this.say(this.t("voted"));
      this.form.querySelectorAll("input").forEach((input) => (input.disabled = true));
    } catch (error) {
      buttons.forEach((b) => (b.disabled = false));
      this.fail(error, { conflict: "alreadyVoted" });
    }
  }

  /** The results as the API pushes them: one event now and one per change. */
  watch() {
    this.stop();
    this.source = new EventSource(`${API}/api/v1/dialogs/${this.dialog.id}/tally/live`);
    this.source.addEventListener("tally", (event) => this.render(JSON.parse(event.data)));
  }

  resume() {
    if (this.results) this.watch();
  }

  stop() {
    this.source?.close();
    this.source = null;
  }

  render(tally) {
    const total = tally.results.reduce((sum, r) => sum + r.votes, 0);
    this.results.innerHTML = tally.results
      .map(
        (r) => `<div class="result" data-choice="${escape(r.choice)}" data-votes="${r.votes}">
          <span>${escape(this.label(r.choice, r.label))}</span>:
          <span>${this.t("votes", { n: r.votes })}</span>
          <div class="bar" aria-hidden="true"><span></span></div></div>`,
      )
      .join("") + `<p class="meta">${this.t("ballots", { n: tally.ballots })}</p>`;
    this.results.querySelectorAll(".bar > span").forEach((bar, i) => {
      bar.style.width = `${total ? Math.round((100 * tally.results[i].votes) / total) : 0}%`;
    });
    this.dataset.ballots = tally.ballots;
  }
}
