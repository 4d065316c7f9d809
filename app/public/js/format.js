// Presentation helpers with no DOM access.

/** @param {number} n */
const two = (n) => String(n).padStart(2, '0');

/**
 * A message time in the reader's local time zone: `HH:MM` for today, `YYYY-MM-DD HH:MM` otherwise.
 * @param {string} iso an ISO-8601 timestamp from the server (UTC)
 * @param {Date} [now]
 * @returns {string}
 */
export function formatTime(iso, now = new Date()) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const time = `${two(date.getHours())}:${two(date.getMinutes())}`;
  const sameDay =
    date.getFullYear() === now.getFullYear() && date.getMonth() === now.getMonth() && date.getDate() === now.getDate();
  return sameDay ? time : `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${time}`;
}

/**
 * The composer's counter text.
 * @param {number} used
 * @param {number} max
 * @returns {string}
 */
export function counterText(used, max) {
  return `${used} / ${max}`;
}

/** Room names as the server accepts them. */
export const ROOM_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/**
 * The room named by a location hash (`#dev`), or `fallback` when the hash names none.
 * @param {string} hash
 * @param {string} fallback
 * @returns {string}
 */
export function roomFromHash(hash, fallback) {
  let name;
  try {
    name = decodeURIComponent(hash.replace(/^#\/?/, ''));
  } catch {
    return fallback;
  }
  return ROOM_NAME.test(name) ? name : fallback;
}
