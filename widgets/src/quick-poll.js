// <tinget-quick-poll dialog="…">: one question, its options, and the live results.
import { define } from "./common.js";
import { Poll } from "./poll.js";

define("tinget-quick-poll", class QuickPoll extends Poll {});
