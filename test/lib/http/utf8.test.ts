/** Bodies must be UTF-8: refused, not silently repaired (lib/http/utf8.ts, and the handler's base64 path). */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { httpHandler } from '../../../lib/http/handler';
import { decodeUtf8Body, invalidUtf8Offset } from '../../../lib/http/utf8';
import type { TunerDeps } from '../../../lib/tuner/deps';
import { setDeps } from '../../../lib/wiring';

afterEach(() => setDeps(undefined));

describe('invalidUtf8Offset', () => {
  it('finds nothing wrong in any well-formed text', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (s) => invalidUtf8Offset(Buffer.from(s, 'utf8')) === -1));
  });

  it('agrees with a fatal TextDecoder on any bytes, and points at the first bad one', () => {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 24 }), (bytes) => {
        const at = invalidUtf8Offset(bytes);
        let valid = true;
        try {
          decoder.decode(bytes);
        } catch {
          valid = false;
        }
        expect(at === -1).toBe(valid);
        if (at !== -1) {
          // Everything before it decodes; the sequence starting there does not.
          expect(() => decoder.decode(bytes.subarray(0, at))).not.toThrow();
        }
      }),
    );
  });

  it('refuses overlong forms, surrogates, code points past U+10FFFF and cut sequences', () => {
    expect(invalidUtf8Offset(Buffer.from([0x61, 0xc0, 0xaf]))).toBe(1); // overlong "/"
    expect(invalidUtf8Offset(Buffer.from([0xe0, 0x80, 0xaf]))).toBe(0); // overlong
    expect(invalidUtf8Offset(Buffer.from([0xed, 0xa0, 0x80]))).toBe(0); // U+D800
    expect(invalidUtf8Offset(Buffer.from([0xf4, 0x90, 0x80, 0x80]))).toBe(0); // U+110000
    expect(invalidUtf8Offset(Buffer.from([0x61, 0x62, 0xe2, 0x82]))).toBe(2); // "€" cut short
    expect(invalidUtf8Offset(Buffer.from('€𝄞é', 'utf8'))).toBe(-1);
  });
});

describe('decodeUtf8Body', () => {
  it('decodes UTF-8, byte-order mark included (JSON.parse then refuses it, as before)', () => {
    expect(decodeUtf8Body(Buffer.from('{"a":"é"}'))).toBe('{"a":"é"}');
    expect(decodeUtf8Body(Buffer.from('\uFEFF{}'))).toBe('\uFEFF{}');
  });

  it('refuses anything else with 400 InvalidJson naming the offset and the bytes', () => {
    expect(() => decodeUtf8Body(Buffer.from([0x7b, 0x22, 0xff, 0x22]))).toThrow(expect.objectContaining({ code: 'InvalidJson', status: 400 }));
    expect(() => decodeUtf8Body(Buffer.from([0x7b, 0x22, 0xff, 0x22]))).toThrow('the bytes at offset 2 (ff 22) are not a UTF-8 character');
  });
});

describe('a handler given a base64-encoded body (API Gateway with binary media types)', () => {
  const handler = httpHandler({ body: z.object({ name: z.string() }) }, async ({ body }) => body);
  const event = (bytes: Buffer) =>
    ({
      httpMethod: 'POST',
      path: '/x',
      resource: '/x',
      headers: { 'content-type': 'application/json' },
      body: bytes.toString('base64'),
      isBase64Encoded: true,
      pathParameters: null,
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
      requestContext: { requestId: 'r' },
    }) as unknown as APIGatewayProxyEvent;

  it('decodes UTF-8', async () => {
    setDeps({} as TunerDeps);
    const res = await handler(event(Buffer.from('{"name":"café"}')));
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ name: 'café' });
  });

  it('answers 400 InvalidJson to bytes that are not UTF-8, instead of reading them as U+FFFD', async () => {
    setDeps({} as TunerDeps);
    const res = await handler(event(Buffer.from([...Buffer.from('{"name":"caf'), 0xe9, ...Buffer.from('"}')])));
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body).error).toMatchObject({ code: 'InvalidJson', message: expect.stringContaining('offset 12') });
  });
});
