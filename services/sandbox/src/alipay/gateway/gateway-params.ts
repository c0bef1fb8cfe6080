import type { Context } from 'hono';

/**
 * The gateway's parameters: the query string, then the form body, merged as a Java
 * servlet does (`getParameter` returns the first value, query before body). The SDK puts
 * the common parameters in the query and `biz_content` in the body.
 */
export async function readGatewayParams(c: Context): Promise<Record<string, string>> {
  const params: Record<string, string> = {};
  const add = (search: URLSearchParams) => {
    for (const [key, value] of search) if (!(key in params)) params[key] = value;
  };
  add(new URL(c.req.url).searchParams);
  if (c.req.method === 'POST') {
    const type = c.req.header('content-type') ?? '';
    if (type.includes('application/x-www-form-urlencoded')) add(new URLSearchParams(await c.req.text()));
  }
  return params;
}

/** Parses a raw `k=v&…` order string (what `sdkExec` produces for the app SDK). */
export function parseOrderString(raw: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(raw.trim())) if (!(key in params)) params[key] = value;
  return params;
}
