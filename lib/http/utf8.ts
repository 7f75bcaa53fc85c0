/**
 * Bodies are JSON, and JSON travels as UTF-8 (RFC 8259). Decoding with replacement (Buffer#toString)
 * turns bytes that are not UTF-8 into U+FFFD without a word, so a param or a name would be stored with
 * characters the client never sent. These refuse them instead, saying where.
 */
import { isUtf8 } from 'node:buffer';
import { TunerError } from '../errors';

/** Offset of the first byte that does not start or continue a well-formed UTF-8 sequence, or -1. */
export function invalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    // The well-formed sequences of the Unicode standard (table 3-7): lead byte, then the allowed range of
    // the second byte (narrower for E0, ED, F0 and F4: no overlong forms, surrogates or code points past
    // U+10FFFF), then plain continuation bytes.
    let length: number;
    let low = 0x80;
    let high = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) length = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      length = 3;
      if (b === 0xe0) low = 0xa0;
      if (b === 0xed) high = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      length = 4;
      if (b === 0xf0) low = 0x90;
      if (b === 0xf4) high = 0x8f;
    } else return i;
    if (i + 1 >= bytes.length || bytes[i + 1] < low || bytes[i + 1] > high) return i;
    for (let k = 2; k < length; k++) {
      if (i + k >= bytes.length || bytes[i + k] < 0x80 || bytes[i + k] > 0xbf) return i;
    }
    i += length;
  }
  return -1;
}

/** The body as text, or a 400 InvalidJson naming the first offending byte. */
export function decodeUtf8Body(bytes: Uint8Array): string {
  const at = isUtf8(bytes) ? -1 : invalidUtf8Offset(bytes);
  if (at === -1) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  const shown = Array.from(bytes.subarray(at, at + 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new TunerError('InvalidJson', 400, `the body is not valid UTF-8 (as JSON must be): the bytes at offset ${at} (${shown}) are not a UTF-8 character`);
}
