/**
 * The text a load client sends: `<sender>:<seq>:<sentAtMicros>:<padding>`, padded to the
 * requested length so every target carries the same bytes. Receivers read the send time back
 * out of the delivered text (all processes share CLOCK_MONOTONIC via `process.hrtime`).
 */
export interface Payload {
  sender: number;
  seq: number;
  sentAt: number;
}

/** Builds a message text of exactly `length` characters (or the minimum that holds the header). */
export function encodePayload(p: Payload, length: number): string {
  const head = `${p.sender}:${p.seq}:${p.sentAt}:`;
  return head.length >= length ? head : head + 'x'.repeat(length - head.length);
}

/** Reads a payload back; undefined for text that is not one (presence, foreign messages). */
export function decodePayload(text: string): Payload | undefined {
  const a = text.indexOf(':');
  const b = text.indexOf(':', a + 1);
  const c = text.indexOf(':', b + 1);
  if (a < 1 || b < 0 || c < 0) return undefined;
  const sender = Number(text.slice(0, a));
  const seq = Number(text.slice(a + 1, b));
  const sentAt = Number(text.slice(b + 1, c));
  if (!Number.isInteger(sender) || !Number.isInteger(seq) || !Number.isFinite(sentAt)) return undefined;
  return { sender, seq, sentAt };
}

/** Microseconds on the machine-wide monotonic clock (comparable across processes). */
export function nowMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}
