import { parseArgs, type ParseArgsConfig } from 'node:util';
import { isE164 } from '@riptrunk/ript';
import { ClientError } from '../http.js';

/**
 * The pieces every riptrunk command line shares (the enterprise `riptrunk` and the carrier's `riptrunk-admin`): strict
 * argument parsing, option checks that fail as usage errors, --json output, and the exit codes (0 success, 1 failure,
 * 2 usage error) with one line on stderr per error.
 */

export class UsageError extends Error {
  /** `hint: false` for an error that already says where to look, so it stays one line. */
  constructor(
    message: string,
    readonly hint = true,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

type StrictConfig<O extends OptionsConfig> = { args: string[]; options: O; allowPositionals: true; strict: true };

/** The parsed flags (typed after the options table) and positionals of a command line. */
export type ParsedCommandLine<O extends OptionsConfig> = ReturnType<typeof parseArgs<StrictConfig<O>>>;

/** Parses strictly: an unknown flag or a missing flag value is a usage error (ERR_PARSE_ARGS_*). */
export function parseCommandLine<O extends OptionsConfig>(argv: string[], options: O): ParsedCommandLine<O> {
  return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
}

/** The first positional argument, read without rejecting unknown options (to redirect a whole command early). */
export function firstPositional(argv: string[], options: OptionsConfig): string | undefined {
  return parseArgs({ args: argv, options, allowPositionals: true, strict: false }).positionals[0];
}

/** Prints the usage; without a command (and without --help) that is a usage error. */
export function printUsage(usage: string, asError: boolean): void {
  process.stdout.write(`${usage}\n`);
  if (asError) process.exitCode = 2;
}

/** A command's result: the document itself with --json, else the human line(s). */
export function printResult(json: boolean | undefined, doc: unknown, human: string): void {
  process.stdout.write(json ? `${JSON.stringify(doc, null, 2)}\n` : `${human}\n`);
}

type Values = Record<string, string | boolean | undefined>;

export function requiredOption(values: Values, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || !v) throw new UsageError(`--${name} is required`);
  return v;
}

export function positiveIntOption(values: Values, name: string): number {
  const n = Number(requiredOption(values, name));
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive whole number`);
  return n;
}

/** `value` if it is E.164; `name` says which argument was wrong ("<number>", "--from"). */
export function e164Argument(value: string, name: string): string {
  if (!isE164(value)) throw new UsageError(`${name} must be an E.164 number like +14085550100`);
  return value;
}

/** Runs a command line's main and turns what it throws into one line on stderr and the exit code. */
export function runCommandLine(program: string, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith?.('ERR_PARSE_ARGS')) {
      const hint = err instanceof UsageError && !err.hint ? '' : `run \`${program} --help\` for usage\n`;
      process.stderr.write(`${program}: ${(err as Error).message}\n${hint}`);
      process.exitCode = 2;
    } else if (err instanceof ClientError) {
      process.stderr.write(`${program}: ${err.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`${program}: unexpected error: ${(err as Error).message}\n`);
      process.exitCode = 1;
    }
  });
}
