// Address parsing at the dataplane boundary: every prefix/address/MAC that reaches the addon or the fake goes
// through here, so both reject the same inputs with the same code and store the same canonical strings.
import { isIPv4, isIPv6 } from 'node:net';

export interface ParsedPrefix {
  family: 4 | 6;
  /** Network address with host bits cleared, 4 or 16 bytes. */
  bytes: Uint8Array;
  len: number;
  /** Canonical text form, e.g. "10.0.0.0/8", "2001:db8::/32". */
  text: string;
}

// Written out by hand: documents with thousands of static routes parse every address (measured in
// bench/config-dataplane.ts, where the generic Array.from/split forms dominated the apply).
function v4Bytes(s: string): Uint8Array {
  const out = new Uint8Array(4);
  let part = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) part++;
    else out[part] = out[part]! * 10 + (c - 48);
  }
  return out;
}

function v6Bytes(s: string): Uint8Array {
  let text = s;
  const out = new Uint8Array(16);
  // An embedded dotted quad ("::ffff:1.2.3.4") becomes two hex groups.
  const m = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (m) {
    const b = v4Bytes(m[1]!);
    text = text.slice(0, m.index) + `${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  });
  return out;
}

export function formatIp(b: Uint8Array): string {
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((b[i]! << 8) | b[i + 1]!);
  // RFC 5952: compress the longest run (>= 2) of zero groups, first one on ties.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** Parses an IPv4/IPv6 address; undefined if invalid. */
export function parseIp(s: unknown): { family: 4 | 6; bytes: Uint8Array; text: string } | undefined {
  if (typeof s !== 'string') return undefined;
  if (isIPv4(s)) {
    const bytes = v4Bytes(s);
    return { family: 4, bytes, text: formatIp(bytes) };
  }
  if (isIPv6(s) && !s.includes('%')) {
    const bytes = v6Bytes(s);
    return { family: 6, bytes, text: formatIp(bytes) };
  }
  return undefined;
}

/** Parses "addr/len" (len in decimal without leading zeros: "/024" is not a length); host bits are cleared. Undefined if invalid. */
export function parsePrefix(s: unknown): ParsedPrefix | undefined {
  if (typeof s !== 'string') return undefined;
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIp(s.slice(0, slash));
  const lenText = s.slice(slash + 1);
  if (!ip || !/^(0|[1-9][0-9]{0,2})$/.test(lenText)) return undefined;
  const len = Number(lenText);
  if (len > (ip.family === 4 ? 32 : 128)) return undefined;
  const bytes = ip.bytes.slice();
  for (let bit = len; bit < bytes.length * 8; bit++) bytes[bit >> 3]! &= ~(0x80 >> (bit & 7));
  return { family: ip.family, bytes, len, text: `${formatIp(bytes)}/${len}` };
}

const MAC_RE = /^([0-9a-f]{2})(:[0-9a-f]{2}){5}$/i;

/** Canonical lower-case "aa:bb:cc:dd:ee:ff", undefined if invalid. */
export function parseMac(s: unknown): string | undefined {
  return typeof s === 'string' && MAC_RE.test(s) ? s.toLowerCase() : undefined;
}
