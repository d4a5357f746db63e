#!/usr/bin/env node
// The whole suite (`npm run bench`): runs each benchmark in its own process with flags that fit
// the suite in ten minutes on a 2-core machine, keeps each one's JSON in bench/results/, and
// writes docs/benchmarks.md (every figure, the ratios, the targets met and missed) and the plot
// bench/results/fanout-memory.svg. Each benchmark also runs alone: node bench/<name>.mjs --help.

import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { readArgs } from './lib/args.mjs';
import { BENCH_DIR, ROOT_DIR, requireBuilt } from './lib/common.mjs';
import { writeDoc } from './lib/doc.mjs';
import { machine } from './lib/report.mjs';

const BENCHES = {
  login: ['--count', '1000'],
  fanout: ['--members', '1000', '--target-deliveries', '150000', '--rooms', '100', '--room-size', '100'],
  memory: ['--counts', '1000,5000,15000'],
  storm: ['--counts', '2000,6000'],
  resume: ['--movers', '20', '--rounds', '10'],
};
const QUICK = {
  login: ['--count', '200'],
  fanout: [
    '--members',
    '300',
    '--plot-sizes',
    '100',
    '--target-deliveries',
    '60000',
    '--rooms',
    '10',
    '--room-size',
    '50',
  ],
  memory: ['--counts', '500,1500'],
  storm: ['--counts', '300'],
  resume: ['--movers', '5', '--rounds', '4'],
};

const args = readArgs(
  'suite',
  'Runs every benchmark (login, fanout, memory, storm, resume) and writes docs/benchmarks.md with the plot.',
  {
    only: { type: 'string', default: 'login,fanout,memory,storm,resume', help: 'benchmarks to run' },
    quick: { type: 'boolean', default: false, help: 'small sizes: a smoke test of the harness, not figures' },
    out: {
      type: 'string',
      default: 'docs/benchmarks.md',
      help: 'the report to write (relative to the repo)',
    },
    'budget-s': { type: 'number', default: 300, help: 'a benchmark still running after this is killed' },
    'report-only': {
      type: 'boolean',
      default: false,
      help: 'run nothing: rewrite the report from bench/results/*.json',
    },
  },
);
requireBuilt();

// A quick run keeps its results apart, so it never overwrites a full run's.
const resultsDir = join(BENCH_DIR, 'results', ...(args.quick ? ['quick'] : []));
mkdirSync(resultsDir, { recursive: true });

let interrupted = false;

function runBench(name, flags) {
  return new Promise((resolve) => {
    const jsonPath = join(resultsDir, `${name}.json`);
    const child = spawn(
      process.execPath,
      [join(BENCH_DIR, `${name}.mjs`), ...flags, '--systems', args.systems.join(','), '--json', jsonPath],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    const timer = setTimeout(() => {
      console.error(`${name}: over ${args['budget-s']} s, killed`);
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    }, args['budget-s'] * 1000);
    const stop = () => {
      interrupted = true;
      child.kill('SIGTERM');
    };
    process.once('SIGINT', stop);
    child.on('exit', (code) => {
      clearTimeout(timer);
      process.off('SIGINT', stop);
      if (code !== 0) {
        resolve({ error: `exited with ${code}` });
        return;
      }
      try {
        resolve(JSON.parse(readFileSync(jsonPath, 'utf8')));
      } catch (error) {
        resolve({ error: String(error) });
      }
    });
  });
}

function readPrevious(name) {
  try {
    return JSON.parse(readFileSync(join(resultsDir, `${name}.json`), 'utf8'));
  } catch (error) {
    return { error: `no previous result: ${error.message}` };
  }
}

const previous = args['report-only']
  ? JSON.parse(readFileSync(join(resultsDir, 'suite.json'), 'utf8'))
  : null;
const started = Date.now();
const results = {};
const timings = {};
for (const name of args.only.split(',').filter(Boolean)) {
  const flags = (args.quick ? QUICK : BENCHES)[name];
  if (flags === undefined) {
    console.error(`unknown benchmark ${name}`);
    process.exit(2);
  }
  const t0 = Date.now();
  if (args['report-only']) {
    results[name] = readPrevious(name);
    continue;
  }
  console.log(`\n=== ${name}: node bench/${name}.mjs ${flags.join(' ')}`);
  results[name] = await runBench(name, flags);
  if (interrupted) {
    console.error('interrupted: no report written');
    process.exit(130);
  }
  timings[name] = Math.round((Date.now() - t0) / 1000);
  console.log(
    `=== ${name}: ${timings[name]} s${results[name].error ? ` — FAILED: ${results[name].error}` : ''}`,
  );
}
const totalS = previous?.totalS ?? Math.round((Date.now() - started) / 1000);
if (previous) Object.assign(timings, previous.timings);

const date = previous?.date ?? new Date().toISOString();
const outPath = args.out
  ? resolve(ROOT_DIR, args.out)
  : join(...(args.quick ? [resultsDir, 'benchmarks.md'] : [ROOT_DIR, 'docs', 'benchmarks.md']));
const svgPath = join(resultsDir, 'fanout-memory.svg');
writeDoc({
  results,
  timings,
  totalS,
  machine: machine(),
  date,
  command: `npm run bench${args.quick ? ' -- --quick' : ''}`,
  flags: args.quick ? QUICK : BENCHES,
  outPath,
  svgPath,
  svgLink: relative(join(outPath, '..'), svgPath),
});
if (!previous) {
  writeFileSync(join(resultsDir, 'suite.json'), `${JSON.stringify({ date, totalS, timings }, null, 2)}\n`);
}
console.log(
  `\nsuite: ${totalS} s in all; wrote ${relative(ROOT_DIR, outPath)} and ${relative(ROOT_DIR, svgPath)}`,
);
