// <tinget-proposal-list dialog="…" limit="10">: a dialog's proposals, newest first, each
// with its supports and a button to support it.
import { Widget, define, escape } from "./common.js";

class ProposalList extends Widget {
  async start() {
    const id = this.idOf("dialog");
    const limit = Math.min(Math.max(Number(this.getAttribute("limit")) || 10, 1), 100);
    this.dialog = await this.call("GET", `/api/v1/dialogs/${id}`);
    const page = await this.call("GET", `/api/v1/dialogs/${id}/posts?limit=${limit}`);
    const items = page.items
      .map((post, i) => {
        const title = this.id(`p${i}`);
        return `<li class="item" data-post="${escape(post.id)}" part="item">
          <h3 id="${title}">${escape(post.title || post.body.slice(0, 80))}</h3>
          <p>${escape(post.body.length > 300 ? `${post.body.slice(0, 300)}…` : post.body)}</p>
          <p class="meta supports" data-supports="${post.supports}">${this.t("supports", { n: post.supports })}</p>
          <button type="button" class="secondary" part="button" aria-describedby="${title}">${this.t("support")}</button>
        </li>`;
      })
      .join("");
    this.show(`
      <h2 part="heading">${escape(this.getAttribute("heading") || this.dialog.title)}</h2>
      ${items ? `<ul>${items}</ul>` : `<p>${this.t("noProposals")}</p>`}
      <p class="status" role="status" aria-live="polite"></p>`);
    for (const item of this.box.querySelectorAll("li.item")) {
      item.querySelector("button").addEventListener("click", (event) => this.support(item, event.target));
    }
  }

  async support(item, button) {
    this.say("");
    button.disabled = true;
    try {
      await this.call("POST", `/api/v1/posts/${item.dataset.post}/supports`, { auth: true });
      const count = item.querySelector(".supports");
      const n = Number(count.dataset.supports) + 1;
      count.dataset.supports = n;
      count.textContent = this.t("supports", { n });
      this.say(this.t("supported"));
    } catch (error) {
      button.disabled = false;
      this.fail(error, { conflict: "alreadySupported" });
    }
  }
}
define("tinget-proposal-list", ProposalList);
