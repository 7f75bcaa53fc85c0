/** Matches a method + path against the route table, as API Gateway's resource tree would. */
import { routes, type RouteDef } from '../../functions/routes';

export type Match =
  | { kind: 'route'; route: RouteDef; pathParameters: Record<string, string> }
  | { kind: 'method-not-allowed'; allowed: string[] }
  | { kind: 'not-found' };

const compiled = routes.map((route) => {
  const names: string[] = [];
  const pattern = route.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { route, names, re: new RegExp(`^${pattern}/?$`) };
});

export function matchRoute(method: string, path: string): Match {
  const allowed: string[] = [];
  // Static segments win over placeholders (/runs/enqueue before /runs/{runId}), as in API Gateway.
  const candidates = compiled
    .map((c) => ({ c, m: c.re.exec(path) }))
    .filter((x) => x.m)
    .sort((a, b) => a.c.names.length - b.c.names.length);
  for (const { c, m } of candidates) {
    if (c.route.method !== method) {
      allowed.push(c.route.method);
      continue;
    }
    const pathParameters: Record<string, string> = {};
    c.names.forEach((n, i) => (pathParameters[n] = (m as RegExpExecArray)[i + 1]));
    return { kind: 'route', route: c.route, pathParameters };
  }
  return allowed.length ? { kind: 'method-not-allowed', allowed: [...new Set(allowed)] } : { kind: 'not-found' };
}
