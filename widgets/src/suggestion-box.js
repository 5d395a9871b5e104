// <tinget-suggestion-box dialog="…">: a suggestion to the municipality, sent as a post of a
// suggestion-box dialog; the API's message beside the field it names when it is refused.
import { Widget, define, escape } from "./common.js";

class SuggestionBox extends Widget {
  async start() {
    this.dialog = await this.call("GET", `/api/v1/dialogs/${this.idOf("dialog")}`);
    this.render();
  }

  render() {
    const heading = this.getAttribute("heading") || this.dialog.title;
    this.show(`
      <h2 id="${this.id("h")}" part="heading">${escape(heading)}</h2>
      <form novalidate aria-labelledby="${this.id("h")}">
        ${this.field("body", this.t("suggestionLabel"), { tag: "textarea", help: this.dialog.instructions || this.t("suggestionHelp") })}
        <button type="submit" part="button">${this.t("send")}</button>
      </form>
      <p class="status" role="status" aria-live="polite"></p>`);
    this.form.addEventListener("submit", (event) => this.send(event));
  }

  async send(event) {
    event.preventDefault();
    this.clearErrors();
    const button = this.form.querySelector("button[type=submit]");
    const body = this.form.elements.body.value;
    this.busy(button, true);
    try {
      const post = await this.call("POST", `/api/v1/dialogs/${this.dialog.id}/posts`, {
        body: { body },
        auth: true,
      });
      this.form.reset();
      const pending = post.status === "pending" ? ` ${this.t("pending")}` : "";
      this.say(this.t("suggestionThanks") + pending);
      this.dataset.post = post.id;
    } catch (error) {
      this.fail(error);
    } finally {
      this.busy(button, false);
    }
  }
}
define("tinget-suggestion-box", SuggestionBox);
