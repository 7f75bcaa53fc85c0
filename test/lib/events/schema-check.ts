/**
 * A small JSON Schema (2020-12) checker for the keywords docs/events.schema.json uses, so the schema can
 * be tested without a validator dependency. A keyword it does not know is an error, never ignored: the
 * schema cannot quietly rely on something this check skips.
 */
type Schema = Record<string, unknown> | boolean;

const ANNOTATIONS = new Set(['$schema', '$id', '$defs', 'title', 'description']);
const CONST_PREFIX = 'must equal ';
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export interface SchemaIssue {
  path: string;
  message: string;
}

export function checkSchema(root: Record<string, unknown>, value: unknown): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  check(root, root, value, '$', issues);
  return issues;
}

/** The `$ref`s of the root's `oneOf` that the value satisfies. */
export function matchingBranches(root: Record<string, unknown>, value: unknown): string[] {
  const branches = (root.oneOf as { $ref: string }[]) ?? [];
  return branches.map((b) => b.$ref).filter((ref) => isValid(root, { $ref: ref }, value));
}

export function resolve(root: Record<string, unknown>, ref: string): Schema {
  if (!ref.startsWith('#/')) throw new Error(`only local $ref is supported: ${ref}`);
  let node: unknown = root;
  for (const part of ref.slice(2).split('/')) {
    node = (node as Record<string, unknown> | undefined)?.[part];
    if (node === undefined) throw new Error(`$ref ${ref} does not resolve`);
  }
  return node as Schema;
}

function isValid(root: Record<string, unknown>, schema: Schema, value: unknown): boolean {
  const issues: SchemaIssue[] = [];
  check(root, schema, value, '$', issues);
  return issues.length === 0;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'object':
      return typeOf(value) === 'object';
    default:
      return typeOf(value) === type;
  }
}

function check(root: Record<string, unknown>, schema: Schema, value: unknown, path: string, issues: SchemaIssue[]): void {
  if (schema === true) return;
  if (schema === false) {
    issues.push({ path, message: 'no value is allowed here' });
    return;
  }
  const fail = (message: string) => issues.push({ path, message });
  for (const [keyword, arg] of Object.entries(schema)) {
    if (ANNOTATIONS.has(keyword)) continue;
    switch (keyword) {
      case '$ref':
        check(root, resolve(root, arg as string), value, path, issues);
        break;
      case 'type': {
        const types = Array.isArray(arg) ? (arg as string[]) : [arg as string];
        if (!types.some((t) => hasType(value, t))) fail(`must be ${types.join(' or ')} (got ${typeOf(value)})`);
        break;
      }
      case 'const':
        if (JSON.stringify(value) !== JSON.stringify(arg)) fail(`${CONST_PREFIX}${JSON.stringify(arg)}`);
        break;
      case 'enum':
        if (!(arg as unknown[]).some((a) => JSON.stringify(a) === JSON.stringify(value))) fail(`must be one of ${JSON.stringify(arg)}`);
        break;
      case 'minimum':
        if (typeof value === 'number' && value < (arg as number)) fail(`must be >= ${arg}`);
        break;
      case 'minLength':
        if (typeof value === 'string' && value.length < (arg as number)) fail(`must have at least ${arg} characters`);
        break;
      case 'minItems':
        if (Array.isArray(value) && value.length < (arg as number)) fail(`must have at least ${arg} items`);
        break;
      case 'format':
        if (arg !== 'date-time') throw new Error(`unsupported format ${String(arg)}`);
        if (typeof value === 'string' && !(DATE_TIME.test(value) && !Number.isNaN(Date.parse(value)))) fail('must be an RFC 3339 date-time');
        break;
      case 'required':
        if (typeOf(value) === 'object') {
          for (const key of arg as string[]) if (!(key in (value as object))) fail(`${key} is required`);
        }
        break;
      case 'properties':
        if (typeOf(value) === 'object') {
          for (const [key, sub] of Object.entries(arg as Record<string, Schema>)) {
            if (key in (value as object)) check(root, sub, (value as Record<string, unknown>)[key], `${path}.${key}`, issues);
          }
        }
        break;
      case 'additionalProperties':
        if (typeOf(value) === 'object') {
          const declared = new Set(Object.keys((schema as Record<string, unknown>).properties ?? {}));
          for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
            if (!declared.has(key)) check(root, arg as Schema, v, `${path}.${key}`, issues);
          }
        }
        break;
      case 'items':
        if (Array.isArray(value)) value.forEach((v, i) => check(root, arg as Schema, v, `${path}[${i}]`, issues));
        break;
      case 'allOf':
        for (const sub of arg as Schema[]) check(root, sub, value, path, issues);
        break;
      case 'anyOf':
        if (!(arg as Schema[]).some((sub) => isValid(root, sub, value))) {
          // Report the first branch's issues: the full shape, which is what a reader wants to see.
          const first: SchemaIssue[] = [];
          check(root, (arg as Schema[])[0], value, path, first);
          issues.push(...(first.length > 0 ? first : [{ path, message: 'matches none of anyOf' }]));
        }
        break;
      case 'oneOf': {
        const results = (arg as Schema[]).map((sub) => {
          const found: SchemaIssue[] = [];
          check(root, sub, value, path, found);
          return found;
        });
        const matches = results.filter((r) => r.length === 0).length;
        if (matches !== 1) fail(`must match exactly one of oneOf (matched ${matches})`);
        // With no match, the issues of the branches whose `const`s (the eventType) fit say what is wrong.
        if (matches === 0) issues.push(...results.filter((r) => !r.some((i) => i.message.startsWith(CONST_PREFIX))).flat());
        break;
      }
      case 'not':
        if (isValid(root, arg as Schema, value)) fail('must not match the "not" schema');
        break;
      default:
        throw new Error(`schema keyword ${keyword} at ${path} is not supported by this check`);
    }
  }
}
