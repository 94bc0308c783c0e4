// A view's frame table: Msg → the handlers of the features that use that
// message, in the order the view lists its features. Each feature file
// returns its part as a Handlers object ({[Msg.X]: (body) => …}), so what a
// message does is found by reading the view's list of features once.

/** @typedef {import("./protocol.js").Handlers} Handlers */
/** @typedef {import("./protocol.js").Frame} Frame */
/** @typedef {Map<number, Array<(body: any) => void>>} FrameTable */

/**
 * Merge the features' handlers into one table.
 * @param {Handlers[]} features in the order their handlers run
 * @returns {FrameTable}
 */
export function frameTable(features) {
  /** @type {FrameTable} */
  const table = new Map();
  for (const handlers of features) {
    for (const [type, handler] of Object.entries(handlers)) {
      const list = table.get(Number(type)) ?? [];
      list.push(handler);
      table.set(Number(type), list);
    }
  }
  return table;
}

/**
 * Run the handlers of `frame`'s type with its body; unknown types do nothing.
 * @param {FrameTable} table
 * @param {Frame} frame
 */
export function dispatch(table, { type, body }) {
  for (const handler of table.get(type) ?? []) handler(body);
}
