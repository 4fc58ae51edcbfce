// A linear scan of JSON bytes for nesting depth and size, run before JSON.parse: parsing and then validating a
// document nested millions deep held the event loop for seconds (a 7.8 KB gzip did it), while this scan
// touches each byte once and stops at the first level too deep. It does not validate JSON; it only has to
// know which brackets and commas are inside strings.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

export interface JsonShape {
  /** Byte offset of the first bracket that opens level `max + 1`, or -1 when the text stays within `max`. */
  tooDeepAt: number;
  /** Containers plus separated members: an upper bound of the problems a validator can find per keyword. */
  values: number;
}

export function scanJson(buf: Uint8Array, max: number): JsonShape {
  let depth = 0;
  let values = 1;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i]!;
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === COMMA) {
      values++;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      values++;
      if (++depth > max) return { tooDeepAt: i, values };
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--;
    }
  }
  return { tooDeepAt: -1, values };
}
