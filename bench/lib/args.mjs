// Command-line flags of a benchmark: one table of `{ name: { type, default, help } }` gives the
// parser, the defaults and the --help text.

import { parseArgs } from 'node:util';

const COMMON = {
  systems: { type: 'string', default: 'atrium,ws,socketio', help: 'systems to run, comma-separated' },
  json: { type: 'string', default: '', help: 'also write the JSON result to this file' },
  quiet: { type: 'boolean', default: false, help: 'print the JSON only, no table' },
  help: { type: 'boolean', default: false, help: 'show this help' },
};

function usage(name, summary, spec) {
  const lines = [`usage: node bench/${name}.mjs [flags]`, '', summary, '', 'flags:'];
  for (const [flag, { type, default: def, help }] of Object.entries(spec)) {
    const value = type === 'boolean' ? '' : ` <${type === 'string' ? 'value' : type}>`;
    const shown = def === '' || def === false ? '' : ` (default ${def})`;
    lines.push(`  --${flag}${value}`.padEnd(30) + help + shown);
  }
  return lines.join('\n');
}

/**
 * Parses process.argv against `spec` (flags whose default is a number are parsed as numbers; a
 * string default with commas is a list). Prints help and exits on --help or a bad flag.
 */
export function readArgs(name, summary, spec) {
  const all = { ...spec, ...COMMON };
  const options = {};
  for (const [flag, { type }] of Object.entries(all)) {
    options[flag] = { type: type === 'boolean' ? 'boolean' : 'string' };
  }
  let parsed;
  try {
    parsed = parseArgs({ options, allowPositionals: false }).values;
  } catch (error) {
    console.error(`${error.message}\n\n${usage(name, summary, all)}`);
    process.exit(2);
  }
  if (parsed.help) {
    console.log(usage(name, summary, all));
    process.exit(0);
  }
  const out = {};
  for (const [flag, { type, default: def }] of Object.entries(all)) {
    const raw = parsed[flag];
    if (raw === undefined) out[flag] = def;
    else if (type === 'number') {
      const n = Number(raw);
      if (!Number.isFinite(n)) {
        console.error(`--${flag} wants a number, got ${raw}`);
        process.exit(2);
      }
      out[flag] = n;
    } else if (type === 'list') out[flag] = String(raw);
    else out[flag] = raw;
  }
  for (const [flag, { type }] of Object.entries(all)) {
    if (type === 'list') out[flag] = String(out[flag]).split(',').filter(Boolean).map(Number);
  }
  out.systems = String(out.systems).split(',').filter(Boolean);
  return out;
}
