/**
 * How local mode (and the handler tests) call a route: build the API Gateway REST proxy event that API
 * Gateway would build for the request, and load the route's handler module once.
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';

export type Handler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

const handlers = new Map<string, Promise<Handler>>();
export function loadHandler(name: string): Promise<Handler> {
  let h = handlers.get(name);
  if (!h) {
    h = import(`../../functions/${name}.ts`).then((m: { handler: Handler }) => m.handler);
    handlers.set(name, h);
  }
  return h;
}

export interface RequestParts {
  method: string;
  url: URL;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  resource: string;
  pathParameters: Record<string, string>;
}

/** An API Gateway (REST, proxy integration) event, as API Gateway would build it for this request. */
export function toProxyEvent({ method, url, headers: rawHeaders, body, resource, pathParameters }: RequestParts): APIGatewayProxyEvent {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(rawHeaders)) {
    if (v === undefined) continue;
    headers[k] = Array.isArray(v) ? v.join(',') : v;
    multiValueHeaders[k] = Array.isArray(v) ? v : [v];
  }
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  for (const [k, v] of url.searchParams) {
    query[k] = v;
    (multiQuery[k] ??= []).push(v);
  }
  const hasQuery = Object.keys(query).length > 0;
  return {
    httpMethod: method,
    path: url.pathname,
    resource,
    pathParameters,
    queryStringParameters: hasQuery ? query : null,
    multiValueQueryStringParameters: hasQuery ? multiQuery : null,
    headers,
    multiValueHeaders,
    body: body === '' ? null : body,
    isBase64Encoded: false,
    stageVariables: null,
    requestContext: { requestId: randomUUID(), httpMethod: method, path: url.pathname, resourcePath: resource, stage: 'local' } as APIGatewayProxyEvent['requestContext'],
  };
}

