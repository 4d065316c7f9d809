// Reconnect delays: exponential from 250 ms, capped at 8 s, with jitter so that many clients
// dropped at once (a server restart) do not all come back in the same millisecond.

export const BACKOFF_BASE_MS = 250;
export const BACKOFF_MAX_MS = 8000;

/**
 * The delay before reconnect attempt number `attempt` (0 for the first retry).
 * The result lies in [75 %, 100 %] of min(max, base * 2^attempt).
 * @param {number} attempt
 * @param {() => number} [random] a source in [0, 1)
 * @returns {number} milliseconds
 */
export function backoffDelay(attempt, random = Math.random) {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, Math.min(attempt, 16)));
  return Math.round(ceiling * (0.75 + 0.25 * random()));
}
