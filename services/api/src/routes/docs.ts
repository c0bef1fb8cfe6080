import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Hono } from 'hono';
import type { AppEnv } from '../deps.ts';

// The API reference renderer is served from our own origin (the npm package's standalone
// bundle), so /docs works without internet access.
let bundle: Promise<Buffer> | undefined;
function scalarBundle(): Promise<Buffer> {
  bundle ??= (async () => {
    const entry = fileURLToPath(import.meta.resolve('@scalar/api-reference'));
    const dist = entry.slice(0, entry.lastIndexOf('/dist/') + '/dist/'.length);
    return await readFile(`${dist}browser/standalone.js`);
  })();
  return bundle;
}

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Paymux API reference</title>
</head>
<body>
<script id="api-reference" data-url="/openapi.json"></script>
<script src="/docs/scalar.js"></script>
</body>
</html>`;

/** GET /docs renders /openapi.json; GET /docs/scalar.js serves the renderer. */
export function registerDocs(app: Hono<AppEnv>): void {
  app.get('/docs', (c) => c.html(PAGE));
  app.get('/docs/scalar.js', async (c) =>
    c.body(new Uint8Array(await scalarBundle()), 200, {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'public, max-age=86400',
    }),
  );
}
