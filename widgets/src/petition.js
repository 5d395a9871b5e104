// <tinget-petition post="…">: one petition, its signatures toward the goal, and signing it.
import { Widget, define, escape } from "./common.js";

class Petition extends Widget {
  async start() {
    const id = this.idOf("post");
    this.post = await this.call("GET", `/api/v1/posts/${id}`);
    this.dialogId = this.post.dialog_id;
    const dialog = await this.call("GET", `/api/v1/dialogs/${this.post.dialog_id}`);
    this.goal = dialog.settings.signature_goal;
    this.show(`
      <h2 part="heading">${escape(this.post.title || dialog.title)}</h2>
      <p>${escape(this.post.body)}</p>
      <p class="meta count"></p>
      <div class="bar" aria-hidden="true"${this.goal ? "" : " hidden"}><span></span></div>
      <button type="button" part="button">${this.t("sign")}</button>
      <p class="status" role="status" aria-live="polite"></p>`);
    this.count(this.post.signatures);
    this.box.querySelector("button").addEventListener("click", (event) => this.sign(event.target));
  }

  count(n) {
    this.signatures = n;
    this.dataset.signatures = n;
    this.box.querySelector(".count").textContent = this.goal
      ? this.t("signaturesOf", { n, goal: this.goal })
      : this.t("signatures", { n });
    const bar = this.box.querySelector(".bar > span");
    if (this.goal) bar.style.width = `${Math.min(100, Math.round((100 * n) / this.goal))}%`;
  }

  async sign(button) {
    this.say("");
    button.disabled = true;
    try {
      await this.call("POST", `/api/v1/posts/${this.post.id}/signatures`, { auth: true });
      this.count(this.signatures + 1);
      this.say(this.t("signedPetition"));
    } catch (error) {
      button.disabled = false;
      this.fail(error, { conflict: "alreadySigned" });
    }
  }
}
define("tinget-petition", Petition);
