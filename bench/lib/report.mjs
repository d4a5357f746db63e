// Figures and how they are shown: percentiles, a plain-text table, the JSON every benchmark
// prints last (one line, so the suite can read it), and the machine it ran on.

import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { SYSTEM_LABELS } from './common.mjs';

/** Nearest-rank percentile of unsorted numbers; NaN when empty. */
export function percentile(values, p) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function latencySummary(values) {
  return {
    n: values.length,
    p50: round(percentile(values, 50), 2),
    p99: round(percentile(values, 99), 2),
    max: round(values.length ? Math.max(...values) : Number.NaN, 2),
  };
}

export function round(x, digits = 2) {
  if (!Number.isFinite(x)) return null;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Atrium / peer, or null when either is missing. */
export function ratio(atrium, peer) {
  if (!Number.isFinite(atrium) || !Number.isFinite(peer) || peer === 0) return null;
  return round(atrium / peer, 2);
}

export function machine() {
  let model = cpus()[0]?.model ?? 'unknown';
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    model = /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim() ?? model;
  } catch {
    // not Linux: os.cpus() it is
  }
  return { nproc: cpus().length, cpu: model, node: process.version };
}

/** Renders rows (arrays of cells) under `header` as an aligned text table. */
export function table(header, rows) {
  const text = [header, ...rows].map((r) => r.map((c) => (c === null || c === undefined ? '—' : String(c))));
  const widths = header.map((_, i) => Math.max(...text.map((r) => (r[i] ?? '').length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(text[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...text.slice(1).map(line)].join('\n');
}

/**
 * For each peer that ran beside Atrium, `of(atriumResults, peerResults)`: the ratios of a
 * benchmark's figures. Empty when Atrium did not run.
 */
export function peerRatios(results, systems, of) {
  const ratios = {};
  if (results.atrium) {
    for (const peer of systems.filter((s) => s !== 'atrium'))
      ratios[peer] = of(results.atrium, results[peer]);
  }
  return ratios;
}

/** The JSON a benchmark writes: what ran, when, on which machine, with which parameters, and what it found. */
export function report(bench, params, results, ratios, extra = {}) {
  return { bench, date: new Date().toISOString(), machine: machine(), params, results, ratios, ...extra };
}

/** Table rows of results by system and count (`results[system][count]`): label, count, then `cells(result, count)`. */
export function countRows(systems, counts, results, cells) {
  return systems.flatMap((system) =>
    counts.map((count) => [SYSTEM_LABELS[system], count, ...cells(results[system][count], count)]),
  );
}

/** The last thing a benchmark prints: the table (unless quiet), then the JSON on one line. */
export function emit(args, result, tableText) {
  if (!args.quiet && tableText) console.log(`\n${tableText}\n`);
  const json = JSON.stringify(result);
  console.log(json);
  if (args.json) writeFileSync(args.json, `${JSON.stringify(result, null, 2)}\n`);
}

/** Progress to stderr, so stdout stays table + JSON. */
export function progress(message) {
  if (process.env.BENCH_SILENT !== '1') process.stderr.write(`  · ${message}\n`);
}
