// `@name` mentions in message text (pure). A mention is `@` and the name, case-insensitively, not glued to a
// letter or digit before it (so `x@bob` is no mention); a name's trailing dots are punctuation ("thanks @bob.").

const CANDIDATE = /@([\p{L}\p{N}_.-]+)/gu;
const NAME_CHAR_BEFORE = /[\p{L}\p{N}_]$/u;

/**
 * @param {string} name
 * @returns {string}
 */
function key(name) {
  return name.normalize('NFKC').toLowerCase();
}

/**
 * Splits `text` into pieces, marking the mentions of `me`.
 * @param {string} text
 * @param {string} me
 * @returns {{ text: string, mention: boolean }[]}
 */
export function splitMentions(text, me) {
  if (!me || !text.includes('@')) return [{ text, mention: false }];
  const wanted = key(me);
  /** @type {{ text: string, mention: boolean }[]} */
  const pieces = [];
  let at = 0;
  for (const match of text.matchAll(CANDIDATE)) {
    const start = match.index ?? 0;
    const name = match[1].replace(/\.+$/, '');
    if (key(name) !== wanted || NAME_CHAR_BEFORE.test(text.slice(0, start))) continue;
    if (start > at) pieces.push({ text: text.slice(at, start), mention: false });
    pieces.push({ text: text.slice(start, start + 1 + name.length), mention: true });
    at = start + 1 + name.length;
  }
  if (at < text.length) pieces.push({ text: text.slice(at), mention: false });
  return pieces.length > 0 ? pieces : [{ text, mention: false }];
}

/**
 * True when `text` mentions `me`.
 * @param {string} text
 * @param {string} me
 * @returns {boolean}
 */
export function mentions(text, me) {
  return splitMentions(text, me).some((piece) => piece.mention);
}
