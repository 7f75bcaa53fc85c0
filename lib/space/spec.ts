/**
 * Validation of a search space as clients send it: `{ name: ParamSpec, ... }` → an ordered `Space`.
 * Messages name the field (`space.lr.low`) and say how to fix it.
 */
import { z } from 'zod';
import { isStorableNumber, MIN_MAGNITUDE, STORABLE_MESSAGE, type ParamDef, type ParamSpec, type Space } from '../domain/types';

export const MAX_PARAMS = 100;
export const MAX_CHOICES = 1000;
const NAME_RE = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
const RESERVED = new Set(['__proto__', 'constructor', 'prototype']);

const finite = z.number({ error: 'must be a finite number' }).refine(isStorableNumber, STORABLE_MESSAGE);

const floatSpec = z.strictObject({
  type: z.literal('float'),
  low: finite,
  high: finite,
  log: z.boolean({ error: 'must be true or false' }).optional(),
  step: finite.positive('must be > 0').optional(),
});

/** zod's int() is a safe integer: one check, one message, for 1.5 and 1e20 alike. */
const SAFE = 2 ** 53 - 1;
const safeInt = z.number({ error: `must be an integer from -${SAFE} to ${SAFE}` }).int(`must be an integer from -${SAFE} to ${SAFE}`);

const intSpec = z.strictObject({
  type: z.literal('int'),
  low: safeInt,
  high: safeInt,
  log: z.boolean({ error: 'must be true or false' }).optional(),
  step: z.number({ error: `must be an integer from 1 to ${SAFE}` }).int(`must be an integer from 1 to ${SAFE}`).positive('must be > 0').optional(),
});

const choice = z.union([z.string().max(256), finite, z.boolean()], {
  error: 'a choice must be a string of at most 256 characters, a number or a boolean',
});
const categoricalSpec = z.strictObject({
  type: z.literal('categorical'),
  choices: z
    .array(choice, { error: `must be a list of 1-${MAX_CHOICES} strings, numbers or booleans` })
    .min(1, 'needs at least one choice')
    .max(MAX_CHOICES, `at most ${MAX_CHOICES} choices`),
});

export const paramSpecSchema = z
  .discriminatedUnion('type', [floatSpec, intSpec, categoricalSpec], {
    error: (iss) =>
      iss.code === 'invalid_union' ? 'type must be one of "float", "int", "categorical"' : undefined,
  })
  .superRefine((spec, ctx) => {
    for (const issue of specProblems(spec)) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  });

/** The whole space: an object of named specs, turned into an ordered list. */
export const spaceSchema = z
  .record(z.string(), paramSpecSchema, { error: 'must be an object of { paramName: ParamSpec }' })
  .superRefine((obj, ctx) => {
    const names = Object.keys(obj);
    if (names.length === 0) ctx.addIssue({ code: 'custom', message: 'needs at least one parameter' });
    if (names.length > MAX_PARAMS) ctx.addIssue({ code: 'custom', message: `at most ${MAX_PARAMS} parameters, got ${names.length}` });
    for (const name of names) {
      if (RESERVED.has(name)) {
        // Every params object is a JS object: these names are on each one already (obj.constructor).
        ctx.addIssue({ code: 'custom', path: [name], message: `is a reserved name (${[...RESERVED].join(', ')} are not allowed): choose another` });
      } else if (!NAME_RE.test(name)) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: 'parameter names are 1-64 characters: a letter or _ first, then letters, digits, _ . -',
        });
      }
    }
  })
  .transform((obj): Space => Object.entries(obj).map(([name, spec]) => ({ name, ...spec }) as ParamDef));

type SpecIssue = { path: string[]; message: string };

function specProblems(spec: ParamSpec): SpecIssue[] {
  const out: SpecIssue[] = [];
  if (spec.type === 'categorical') {
    const seen = new Set<string>();
    spec.choices.forEach((c, i) => {
      const key = JSON.stringify(c);
      if (seen.has(key)) out.push({ path: ['choices', String(i)], message: `duplicate choice ${key}` });
      seen.add(key);
    });
    return out;
  }
  const { low, high, log, step } = spec;
  if (!(low < high)) out.push({ path: ['low'], message: `must be < high (got low=${low}, high=${high})` });
  if (log && low <= 0) out.push({ path: ['low'], message: `must be > 0 when log is true (got ${low})` });
  if (log && step !== undefined) {
    out.push({
      path: ['step'],
      message: 'cannot be combined with log: a log scale has no constant step (use a categorical of the values you want)',
    });
  }
  if (step !== undefined && low < high && !log) {
    if (!stepDivides(spec.type, low, high, step)) {
      out.push({
        path: ['step'],
        message: `must divide high - low exactly (${high} - ${low} = ${high - low} is not a multiple of ${step})`,
      });
    } else if (spec.type === 'float') {
      const near = nearestToZero(low, high, step);
      if (near !== 0 && Math.abs(near) < MIN_MAGNITUDE) {
        out.push({
          path: ['step'],
          message: `puts a value of about ${near.toPrecision(3)} on the grid, nearer 0 than the 1e-130 a number may be: choose low and step so that 0 is on the grid or every value is at least 1e-130 from it`,
        });
      }
    }
  }
  return out;
}

/** The grid value nearest 0 (low + k·step), or 0 when 0 is on the grid (within float noise). */
function nearestToZero(low: number, high: number, step: number): number {
  const count = Math.round((high - low) / step) + 1;
  const k = Math.min(count - 1, Math.max(0, Math.round(-low / step)));
  const v = low + k * step;
  return Math.abs(v) <= step * 1e-9 ? 0 : v;
}

/**
 * Whether `step` divides high - low. Ints exactly, in BigInt: high - low may pass 2^53, where doubles
 * round, and a relative tolerance let 2000000001 - 0 pass for a step of 2. Floats, whose bounds are
 * decimal fractions without an exact binary form, within a relative 1e-9.
 */
function stepDivides(type: 'int' | 'float', low: number, high: number, step: number): boolean {
  if (type === 'int') {
    // Not integers: already refused by the int checks, and BigInt would throw.
    if (![low, high, step].every(Number.isSafeInteger)) return true;
    return (BigInt(high) - BigInt(low)) % BigInt(step) === 0n;
  }
  const k = (high - low) / step;
  return Math.abs(k - Math.round(k)) <= 1e-9 * Math.max(1, Math.abs(k));
}

/** Back to the wire form: `{ name: spec }` in the space's order. */
export function spaceToJson(space: Space): Record<string, ParamSpec> {
  const out: Record<string, ParamSpec> = {};
  for (const { name, ...spec } of space) out[name] = spec as ParamSpec;
  return out;
}
