import { parseArgs } from 'node:util';
import { CliError, type Command, type CommandIo, writeLine } from './command.ts';
import { COMMANDS } from './commands/index.ts';
import { type Config, ConfigError, loadConfig } from './config.ts';

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.path.join(' ').length));
  const lines = COMMANDS.map((c) => `  ${c.path.join(' ').padEnd(width)}  ${c.summary}`);
  return `Usage: paymux <command> [options]

Commands:
${lines.join('\n')}

Run \`paymux <command> --help\` for a command's options.`;
}

function findCommand(args: string[]): { command: Command; rest: string[] } | undefined {
  // Longest match first, so "tenant create" wins over a hypothetical "tenant".
  const sorted = [...COMMANDS].sort((a, b) => b.path.length - a.path.length);
  for (const command of sorted) {
    if (command.path.every((word, i) => args[i] === word))
      return { command, rest: args.slice(command.path.length) };
  }
  return undefined;
}

/**
 * Runs the `paymux` CLI. Returns the exit code: 0 success, 1 failure, 2 usage error.
 *
 * @example
 * process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, … });
 */
export async function main(args: string[], io: CommandIo): Promise<number> {
  if (args.length === 0 || args[0] === '--help' || args[0] === '-h' || args[0] === 'help') {
    writeLine(io.stdout, overview());
    return args.length === 0 ? 2 : 0;
  }
  const found = findCommand(args);
  if (!found) {
    writeLine(io.stderr, `Unknown command: ${args.join(' ')}\n\n${overview()}`);
    return 2;
  }
  const { command, rest } = found;
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    writeLine(io.stderr, `Error: ${(error as Error).message}\n\n${command.help}`);
    return 2;
  }
  if (parsed.values.help) {
    writeLine(io.stdout, command.help);
    return 0;
  }
  let config: Config | undefined;
  try {
    return await command.run({
      values: parsed.values as Record<string, string | boolean | undefined>,
      positionals: parsed.positionals,
      config: () => {
        config ??= loadConfig(io.env);
        return config;
      },
      io,
    });
  } catch (error) {
    if (error instanceof ConfigError) {
      writeLine(io.stderr, `Invalid configuration: ${error.message}`);
      return 1;
    }
    if (error instanceof CliError) {
      writeLine(io.stderr, `Error: ${error.message}`);
      return 1;
    }
    writeLine(io.stderr, `Error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  }
}
