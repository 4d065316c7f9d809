/** Small Markdown readers for the documentation tests: sections, table cells, headings and links. */
import fs from 'node:fs';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

export function readRepoFile(relative: string): string {
  return fs.readFileSync(path.join(REPO_ROOT, relative), 'utf8');
}

/** The text without fenced code blocks (their lines are replaced by empty ones, so line numbers stay right). */
export function withoutCodeBlocks(markdown: string): string {
  let fence: string | undefined;
  return markdown
    .split('\n')
    .map((line) => {
      const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
      if (fence === undefined && marker) {
        fence = marker[0]!;
        return '';
      }
      if (fence !== undefined) {
        if (marker && marker[0] === fence) fence = undefined;
        return '';
      }
      return line;
    })
    .join('\n');
}

/** The body of the section under the heading whose text is `title` (up to the next heading of the same or a higher level). */
export function section(markdown: string, title: string): string | undefined {
  const lines = withoutCodeBlocks(markdown).split('\n');
  const start = lines.findIndex((line) => /^#{1,6} /.test(line) && line.replace(/^#+ /, '').trim() === title);
  if (start < 0) return undefined;
  const level = /^#+/.exec(lines[start]!)![0].length;
  const end = lines.findIndex((line, i) => i > start && /^#{1,6} /.test(line) && /^#+/.exec(line)![0].length <= level);
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

/** The first cell of every table body row in `text` (header and separator rows left out). */
export function firstCells(text: string): string[] {
  const rows = text.split('\n').filter((line) => line.trimStart().startsWith('|'));
  return rows
    .filter((row, i) => !/^\s*\|\s*:?-{3,}/.test(row) && !/^\s*\|\s*:?-{3,}/.test(rows[i + 1] ?? ''))
    .map((row) => row.trim().slice(1).split('|')[0]!.trim());
}

/** Every `code span` in a cell that matches `pattern` (whole span). */
export function codeNames(cell: string, pattern: RegExp): string[] {
  return [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!).filter((name) => pattern.test(name));
}

/**
 * The anchor GitHub gives a heading: lower case, punctuation other than `-` and `_` removed, spaces to `-`.
 * Repeated headings get `-1`, `-2`, … (see {@link headingSlugs}).
 */
export function githubSlug(heading: string): string {
  const text = heading
    .replace(/!\[[^\]]*\]\([^)]*\)/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{N}\p{M}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

/** Every anchor the headings of a Markdown file produce, as GitHub renders them. */
export function headingSlugs(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const slugs = new Set<string>();
  for (const line of withoutCodeBlocks(markdown).split('\n')) {
    const match = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!match) continue;
    const base = githubSlug(match[1]!);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    slugs.add(count === 0 ? base : `${base}-${count}`);
  }
  return slugs;
}

/** One inline link or image of a Markdown file; `malformed` when `](` is not followed by `target)`. */
export interface MarkdownLink {
  target: string;
  line: number;
  malformed?: boolean;
}

const INLINE_TARGET = /^\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/;

/** Inline links and images `[text](target)` outside code blocks and code spans. */
export function links(markdown: string): MarkdownLink[] {
  const found: MarkdownLink[] = [];
  withoutCodeBlocks(markdown)
    .split('\n')
    .forEach((raw, i) => {
      const line = raw.replace(/`[^`]*`/g, '');
      for (let at = line.indexOf(']('); at >= 0; at = line.indexOf('](', at + 2)) {
        const match = INLINE_TARGET.exec(line.slice(at));
        if (match) found.push({ target: match[1]!, line: i + 1 });
        else found.push({ target: line.slice(at + 2, at + 42), line: i + 1, malformed: true });
      }
    });
  return found;
}
