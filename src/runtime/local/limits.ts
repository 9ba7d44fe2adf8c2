// How much one message to the bridge may carry. Shared by the page (which splits what it sends) and the bridge (which
// refuses more), without dependencies, so the page's bundle stays small.

/** The longest text (input, a file's contents) one message may carry, in UTF-16 code units. */
export const MAX_TEXT = 1_000_000;
/** The bridge's limit on one WebSocket message, in bytes; a larger frame ends the connection (RFC 6455 1009). */
export const MAX_PAYLOAD = 8 * MAX_TEXT;
/**
 * The piece of input the page sends at a time. JSON escapes a control character as 6 bytes and UTF-8 takes up to 3
 * per code unit, so even a piece of nothing but those stays far inside MAX_PAYLOAD.
 */
const INPUT_PIECE = 64 * 1024;

/** Splits typed or pasted text into pieces the bridge accepts, never between the two halves of a surrogate pair. */
export function inputPieces(text: string): string[] {
  const pieces: string[] = [];
  for (let start = 0; start < text.length;) {
    let end = Math.min(start + INPUT_PIECE, text.length);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
    pieces.push(text.slice(start, end));
    start = end;
  }
  return pieces;
}
