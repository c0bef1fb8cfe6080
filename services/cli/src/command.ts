import type { ParseArgsOptionsConfig } from 'node:util';
import type { Config } from './config.ts';

/** Where a command reads and writes; the real process streams, or buffers in tests. */
export interface CommandIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly stdin: NodeJS.ReadableStream;
  readonly env: Record<string, string | undefined>;
}

export interface CommandInput {
  readonly values: Record<string, string | boolean | undefined>;
  readonly positionals: string[];
  /** Parsed lazily: `token` works without any database configuration. */
  readonly config: () => Config;
  readonly io: CommandIo;
}

export interface Command {
  /** Words that select the command, e.g. ['tenant', 'create']. */
  readonly path: readonly string[];
  readonly summary: string;
  /** Full --help text (usage, options, example). */
  readonly help: string;
  readonly options: ParseArgsOptionsConfig;
  /** Returns the process exit code. */
  run(input: CommandInput): Promise<number>;
}

/** A user-facing failure: printed as "Error: <message>" with exit code 1, no stack. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

export function writeLine(stream: NodeJS.WritableStream, line = ''): void {
  stream.write(`${line}\n`);
}

/** Reads all of stdin (for --password-stdin); trailing newlines are not part of the secret. */
export async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}
