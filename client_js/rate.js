// Coalescing for frames that describe a state (scroll position, hover,
// a field's value): the first change after a pause goes out at once, then at
// most one frame per interval, always the latest. Nothing is queued up.

/**
 * @param {(value: any) => void} emit called with the latest value
 * @param {number} intervalMs shortest time between two calls
 * @returns {{push: (value: any) => void, flush: () => void}}
 */
export function latestWins(emit, intervalMs) {
  let pending;
  let has = false;
  let timer = 0;
  let sentAt = -Infinity;
  const flush = () => {
    clearTimeout(timer);
    timer = 0;
    if (!has) return;
    const value = pending;
    has = false;
    pending = undefined;
    sentAt = performance.now();
    emit(value);
  };
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
