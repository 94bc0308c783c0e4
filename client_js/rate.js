// Coalescing for frames that describe a state (scroll position, hover,
// a field's value): the first change after a pause goes out at once, then at
// most one frame per interval, always the latest. Nothing is queued up.

/**
 * What `emit` returns when it decided to send nothing after all (e.g. the
 * pointer's second "nowhere"): the interval does not start again.
 */
export const SKIPPED = Symbol("skipped");

/**
 * @template T
 * @param {(value: T) => (typeof SKIPPED | void)} emit called with the latest value
 * @param {number} intervalMs shortest time between two calls
 * @returns {{push: (value: T) => void, flush: () => void}}
 */
export function latestWins(emit, intervalMs) {
  /** @type {T | undefined} */
  let pending;
  let has = false;
  let timer = 0;
  let sentAt = -Infinity;
  const flush = () => {
    clearTimeout(timer);
    timer = 0;
    if (!has) return;
    const value = /** @type {T} */ (pending);
    has = false;
    pending = undefined;
    const before = sentAt;
    sentAt = performance.now();
    if (emit(value) === SKIPPED) sentAt = before;
  };
  /** @param {T} value */
  const push = (value) => {
    pending = value;
    has = true;
    if (timer) return;
    const wait = sentAt + intervalMs - performance.now();
    if (wait <= 0) flush();
    else timer = setTimeout(flush, wait);
  };
  return { push, flush };
}

/**
 * Run `fn` once in the next animation frame, however often this is called before.
 * @param {() => void} fn
 * @returns {() => void}
 */
export function perFrame(fn) {
  let frame = 0;
  return () => {
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      fn();
    });
  };
}
