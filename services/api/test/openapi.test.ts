import { createTestDatabase, type TestDatabase } from '@paymux/db/testing';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from './support/fixtures.ts';

let tdb: TestDatabase;
let app: ReturnType<typeof testApp>['app'];
let spec: {
  openapi: string;
  paths: Record<
    string,
    Record<string, { responses: Record<string, unknown>; parameters?: Array<{ name: string; in: string }> }>
  >;
};

beforeAll(async () => {
  tdb = await createTestDatabase();
  app = testApp(tdb).app;
  const res = await app.request('/openapi.json');
  expect(res.status).toBe(200);
  spec = (await res.json()) as typeof spec;
});
afterAll(() => tdb.close());

/** Hono's `/v1/payments/:id` is OpenAPI's `/v1/payments/{id}`. */
const toOpenApiPath = (path: string) => path.replace(/:([A-Za-z_]+)/g, '{$1}');

describe('GET /openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    expect(spec.openapi).toMatch(/^3\.1\./);
    const validator = new Validator();
    const result = await validator.validate(spec as unknown as Parameters<Validator['validate']>[0]);
    expect(result.errors ?? [], JSON.stringify(result.errors, null, 2)).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('documents every registered /v1 route, with its error responses', () => {
    const routes = app.routes.filter((r) => r.path.startsWith('/v1/') && r.method !== 'ALL');
    const unique = new Map(routes.map((r) => [`${r.method} ${r.path}`, r]));
    expect(unique.size).toBeGreaterThanOrEqual(15);
    for (const route of unique.values()) {
      const operation = spec.paths[toOpenApiPath(route.path)]?.[route.method.toLowerCase()];
      expect(operation, `${route.method} ${route.path}`).toBeDefined();
      for (const status of ['400', '401', '403', '500']) {
        expect(operation?.responses, `${route.method} ${route.path} → ${status}`).toHaveProperty(status);
      }
      if (route.method === 'POST') {
        const names = (operation?.parameters ?? []).map((p) => `${p.in}:${p.name}`.toLowerCase());
        expect(names, `${route.method} ${route.path} documents Idempotency-Key`).toContain(
          'header:idempotency-key',
        );
        expect(operation?.responses, `${route.method} ${route.path} → 409`).toHaveProperty('409');
      }
    }
  });
});

describe('GET /docs', () => {
  it('renders the reference from our own origin (no CDN), pointing at /openapi.json', async () => {
    const page = await app.request('/docs');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('data-url="/openapi.json"');
    expect(html).not.toMatch(/https?:\/\/(cdn|unpkg|jsdelivr)/);
    const script = await app.request('/docs/scalar.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toContain('javascript');
    expect((await script.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
  });
});
