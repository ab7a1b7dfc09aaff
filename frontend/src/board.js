// A pipeline's kanban board: cards are dragged between columns (SortableJS); a drop asks the server to
// move the deal, and the server answers with the new counts and sums of the two columns it changed, so
// the totals are its own and the columns keep their scroll. A drop on a "lost" column first asks for the
// reason; a refused or failed move puts the card back.
import Sortable from "sortablejs";

function csrf() {
  return document.querySelector("meta[name=csrf-token]")?.content || "";
}

function showTotals(board, columns) {
  for (const [stage, totals] of Object.entries(columns)) {
    const column = board.querySelector(`[data-stage="${stage}"]`);
    if (!column) continue;
    column.querySelector("[data-testid=column-count]").textContent = totals.count;
    const sum = column.querySelector("[data-testid=column-sum]");
    if (sum) sum.textContent = totals.sum; // absent where the amount is hidden
  }
}

async function post(board, url, form, fromStage) {
  form.append("filters", board.dataset.filters || "");
  form.append("from_stage_id", fromStage);
  const response = await fetch(url, {
    method: "POST",
    body: form,
    headers: { "X-CSRFToken": csrf(), "X-Requested-With": "fetch" },
    credentials: "same-origin",
  });
  if (response.ok) {
    showTotals(board, (await response.json()).columns || {});
    return { ok: true };
  }
  if (response.status === 422) return { ok: false, errors: (await response.json()).errors || {} };
  return { ok: false, status: response.status };
}

function putBack(event) {
  const { item, from, oldIndex } = event;
  from.insertBefore(item, from.children[oldIndex] || null);
}

function askLossReason(board, event, url, stageId, notice) {
  const dialog = board.querySelector("[data-loss-dialog]");
  const form = dialog.querySelector("form");
  const error = dialog.querySelector("[data-error]");
  form.reset();
  error.textContent = "";
  error.hidden = true;
  dialog.querySelector("[data-deal-title]").textContent = event.item.dataset.title || "";
  let settled = false;
  const cancel = () => {
    if (settled) return;
    settled = true;
    putBack(event);
    dialog.close();
  };
  form.onsubmit = async (submit) => {
    submit.preventDefault();
    const data = new FormData(form);
    data.append("stage_id", stageId);
    const result = await post(board, url, data, event.from.closest("[data-stage]").dataset.stage);
    if (result.ok) {
      settled = true;
      dialog.close();
    } else if (result.errors) {
      error.textContent = Object.values(result.errors).flat().join(" ");
      error.hidden = false;
    } else {
      cancel();
      notice(`${board.dataset.failed} (${result.status})`);
    }
  };
  dialog.querySelector("[data-cancel]").onclick = cancel;
  dialog.oncancel = cancel; // Escape
  dialog.showModal();
}

async function dropped(event, notice) {
  const column = event.to.closest("[data-stage]");
  const board = column.closest("[data-board]");
  const url = event.item.dataset.moveUrl;
  if (column.dataset.kind === "lost") {
    askLossReason(board, event, url, column.dataset.stage, notice);
    return;
  }
  const data = new FormData();
  data.append("stage_id", column.dataset.stage);
  const result = await post(board, url, data, event.from.closest("[data-stage]").dataset.stage);
  if (result.ok) return;
  putBack(event);
  notice(result.errors ? Object.values(result.errors).flat().join(" ") : `${board.dataset.failed} (${result.status})`);
}

export function initBoards(root, notice) {
  if (!root?.querySelectorAll) return;
  // Rows reordered by their handle (a pipeline's stages).
  root.querySelectorAll("[data-sortable-rows]").forEach((list) => {
    if (list.dataset.sortable) return;
    list.dataset.sortable = "1";
    Sortable.create(list, { handle: "[data-drag-handle]", animation: 120 });
  });
  root.querySelectorAll("[data-column-list]").forEach((list) => {
    if (list.dataset.sortable) return;
    list.dataset.sortable = "1";
    Sortable.create(list, {
      group: "deals",
      animation: 120,
      draggable: "[data-deal]",
      sort: false, // a column keeps the newest arrivals first; only the stage is chosen by a drop
      disabled: list.dataset.locked === "1",
      onAdd: (event) => dropped(event, notice),
    });
  });
}
