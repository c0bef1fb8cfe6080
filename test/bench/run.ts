// `npm run bench`: runs every scenario in test/bench/scenarios (or those named on the
// command line). Each scenario measures Paymux against a baseline in the same run and
// prints its own table; see docs/architecture.md. Timing never lives in tests.
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export interface BenchScenario {
  readonly name: string;
  readonly description: string;
  run(): Promise<void>;
}

const dir = fileURLToPath(new URL('./scenarios/', import.meta.url));
const wanted = new Set(process.argv.slice(2));
const files = (await readdir(dir)).filter((f) => f.endsWith('.ts')).sort();
const scenarios: BenchScenario[] = [];
for (const file of files) {
  const module = (await import(new URL(`./scenarios/${file}`, import.meta.url).href)) as {
    scenario: BenchScenario;
  };
  if (wanted.size === 0 || wanted.has(module.scenario.name)) scenarios.push(module.scenario);
}
if (scenarios.length === 0) {
  console.log(
    wanted.size > 0
      ? `No benchmark scenario named ${[...wanted].join(', ')}.`
      : 'No benchmark scenarios yet: they arrive with create-payment, notify-ingest and notify-to-webhook.',
  );
} else {
  for (const scenario of scenarios) {
    console.log(`\n## ${scenario.name}: ${scenario.description}`);
    await scenario.run();
  }
}
