// The packages as a user gets them: `npm pack` of each workspace package (which builds it through
// `prepack`), installed from the tarballs into a fresh project outside the repository, and the
// server started from that project's `atrium` command. The registry is used only for the
// third-party dependencies (from npm's cache when it has them).

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { exitOf, outputOf, stopChild, track } from '../support/children.js';
import { until } from '../support/until.js';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const PACKAGES = ['protocol', 'token', 'sdk', 'server'] as const;

const exec = promisify(execFile);

export interface Packed {
  name: string;
  version: string;
  filename: string;
  files: { path: string }[];
}

/** Runs a command to completion; rejects with its output when it fails. */
export async function run(
  command: string,
  args: string[],
  options: { cwd: string; timeoutMs?: number; env?: NodeJS.ProcessEnv },
): Promise<{ stdout: string; stderr: string }> {
  try {
    return await exec(command, args, {
      cwd: options.cwd,
      timeout: options.timeoutMs ?? 120_000,
      env: options.env ?? process.env,
      maxBuffer: 32 * 1024 * 1024,
    });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${command} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`,
    );
  }
}

/** `npm pack` of every package into `dest`, as npm publish would make them. */
export async function packAll(dest: string): Promise<Packed[]> {
  await mkdir(dest, { recursive: true });
  const workspaces = PACKAGES.flatMap((p) => ['-w', `@atrium/${p}`]);
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dest, ...workspaces], {
    cwd: REPO,
    timeoutMs: 180_000,
  });
  // The JSON report follows whatever the prepack scripts printed.
  return JSON.parse(stdout.slice(stdout.indexOf('\n[') + 1)) as Packed[];
}

/** A fresh npm project in `dir` with the tarballs installed, as an app would depend on them. */
export async function installInto(dir: string, tarballs: string[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'atrium-install-check', private: true, type: 'module' })}\n`,
  );
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...tarballs], {
    cwd: dir,
    timeoutMs: 240_000,
  });
}

export interface InstalledServer {
  child: ChildProcess;
  httpUrl: string;
  wsUrl: string;
  output(): string;
  stop(): Promise<void>;
}

/** `atrium serve` from the project's node_modules/.bin, on a free port; its URL read from what it prints. */
export async function startInstalledServer(dir: string, args: string[]): Promise<InstalledServer> {
  const child = track(
    spawn(join(dir, 'node_modules', '.bin', 'atrium'), ['serve', '--port', '0', ...args], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  const output = outputOf(child, 100_000);
  const url = () => /http:\/\/127\.0\.0\.1:\d+/.exec(output())?.[0];
  await Promise.race([
    until(() => url() !== undefined, { timeoutMs: 15_000, failure: () => `no URL printed: ${output()}` }),
    exitOf(child, (code) => `atrium serve exited with ${code}: ${output()}`),
  ]);
  const httpUrl = url() as string;
  return {
    child,
    httpUrl,
    wsUrl: `${httpUrl.replace(/^http/, 'ws')}/ws`,
    output,
    stop: () => stopChild(child, 'SIGTERM'),
  };
}
