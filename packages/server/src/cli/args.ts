// Argument parsing shared by the `atrium` commands: strict (an unknown flag or a stray word is
// an error, with a pointer to the command's --help), string values only.

import { type ParseArgsConfig, parseArgs } from 'node:util';

/** Bad usage: exit code 2, the message and a usage hint on stderr. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The command whose --help the hint points to ('' for atrium itself). */
    readonly command = '',
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export type Values = Record<string, string | boolean | undefined>;
export type OptionTable = NonNullable<ParseArgsConfig['options']>;

export function parse(
  command: string,
  args: readonly string[],
  options: OptionTable,
  allowPositionals = false,
): { values: Values; positionals: string[] } {
  try {
    const parsed = parseArgs({ args: [...args], options, strict: true, allowPositionals });
    return { values: parsed.values as Values, positionals: parsed.positionals };
  } catch (error) {
    // node:util's own wording ("Unknown option '--x'. To specify a positional argument…") is
    // about its API; say it in the CLI's terms.
    const message = error instanceof Error ? error.message : String(error);
    const unknown = /Unknown option '([^']+)'/.exec(message);
    const stray = /Unexpected argument '([^']+)'/.exec(message);
    if (unknown !== null) throw new UsageError(`unknown option ${unknown[1]}`, command);
    if (stray !== null) throw new UsageError(`unexpected argument ${JSON.stringify(stray[1])}`, command);
    throw new UsageError(message.replace(/\.$/, ''), command);
  }
}

export function str(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

export function integer(
  name: string,
  value: string | undefined,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}`);
  }
  return n;
}
