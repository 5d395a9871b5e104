// <tinget-vox-pop dialog="…">: yes or no, with the live result.
import { define } from "./common.js";
import { Poll } from "./poll.js";

class VoxPop extends Poll {
  vox = true;
}
define("tinget-vox-pop", VoxPop);
