// Logs through pino: JSON lines, or (logFormat 'pretty') one readable line per entry for a
// person at a terminal. Tokens and secrets are never logged; the redaction below is a net for a
// field that slips into a log call by mistake, and it applies before either format.

import { type DestinationStream, type Logger, pino } from 'pino';
import type { LogFormat } from './options.js';

export interface LineSink {
  write(line: string): unknown;
}

export function createLogger(level: string, destination?: LineSink, format: LogFormat = 'json'): Logger {
  const options = {
    name: 'atrium',
    level,
    redact: {
      paths: [
        'token',
        '*.token',
        'secret',
        '*.secret',
        'serverSecret',
        '*.serverSecret',
        'apps[*].serverSecret',
        '*.key',
        'key',
      ],
      censor: '[redacted]',
    },
  };
  if (format === 'pretty') {
    const out = destination ?? process.stdout;
    return pino(options, prettyStream(out, out === process.stdout && colorWanted()) as DestinationStream);
  }
  return destination === undefined ? pino(options) : pino(options, destination as DestinationStream);
}

function colorWanted(): boolean {
  return process.stdout.isTTY === true && process.env.NO_COLOR === undefined;
}

const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};
const COLORS: Record<number, string> = { 10: '90', 20: '36', 30: '32', 40: '33', 50: '31', 60: '35' };
/** pino's own fields, said by the line's layout or not worth a person's attention. */
const OMIT = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'name', 'v']);

/** A stream taking pino's JSON lines and writing each as `HH:MM:SS.mmm LEVEL msg key=value …`. */
export function prettyStream(out: LineSink, color = false): LineSink {
  return { write: (line: string) => out.write(prettyLine(line, color)) };
}

/** One JSON log line as a readable one; anything that is not a JSON object passes unchanged. */
export function prettyLine(line: string, color = false): string {
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return line;
  }
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return line;
  const e = entry as Record<string, unknown>;
  const level = typeof e.level === 'number' ? e.level : 30;
  const label = LEVELS[level] ?? String(level).padEnd(5);
  const time = typeof e.time === 'number' ? clock(new Date(e.time)) : '';
  const fields: string[] = [];
  let stack = '';
  for (const [key, value] of Object.entries(e)) {
    if (OMIT.has(key)) continue;
    if (key === 'err' && typeof value === 'object' && value !== null) {
      const err = value as Record<string, unknown>;
      fields.push(`err=${quote(String(err.message ?? err.type ?? 'error'))}`);
      if (typeof err.stack === 'string') stack = `\n    ${err.stack.split('\n').join('\n    ')}`;
      continue;
    }
    fields.push(`${key}=${typeof value === 'string' ? quote(value) : JSON.stringify(value)}`);
  }
  const shown = color ? `\x1b[${COLORS[level] ?? '0'}m${label}\x1b[0m` : label;
  const msg = typeof e.msg === 'string' ? e.msg : '';
  return `${[time, shown, msg, ...fields].filter((p) => p !== '').join(' ')}${stack}\n`;
}

/** A string bare when it reads unambiguously, else JSON-quoted. */
function quote(text: string): string {
  return /^[\w.:/@+-]+$/.test(text) ? text : JSON.stringify(text);
}

function clock(d: Date): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}
