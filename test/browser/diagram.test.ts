// The demo page's state diagram alone, in real Chromium with the page's own stylesheet: at both
// layouts (wide for desktops, tall for phones), every transition from any reason to any reason
// (the same one included: the node pulses) puts its code label inside the drawing, and every
// node's name inside its box. The whole page at both widths is test/browser/demo.test.ts.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REASONS } from '@atrium/protocol';
import { type Browser, chromium, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clippedTexts } from './svg-fit.js';

const DEMO_SRC = fileURLToPath(new URL('../../apps/demo/src/', import.meta.url));
const protocol = fileURLToPath(new URL('../../packages/protocol/src/index.ts', import.meta.url));

let outDir: string;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'atrium-diagram-'));
  await build({
    configFile: false,
    root: DEMO_SRC,
    logLevel: 'warn',
    resolve: { alias: { '@atrium/protocol': protocol } },
    build: {
      outDir,
      emptyOutDir: true,
      minify: false,
      lib: {
        entry: join(DEMO_SRC, 'diagram.ts'),
        formats: ['iife'],
        name: 'Diagram',
        fileName: () => 'd.js',
      },
    },
  });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking'],
  });
  page = await browser.newPage();
  await page.setContent('<!doctype html><html><body></body></html>');
  await page.addStyleTag({ content: await readFile(join(DEMO_SRC, 'style.css'), 'utf8') });
  await page.addScriptTag({ content: await readFile(join(outDir, 'd.js'), 'utf8') });
  await page.addScriptTag({ content: `window.clippedTexts = ${clippedTexts.toString()};` });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

describe('the state diagram', () => {
  for (const layout of ['wide', 'tall'] as const) {
    it(`${layout}: every transition's code label and every node name fit in the drawing`, async () => {
      const problems = await page.evaluate(
        ([layoutName, reasons]) => {
          const w = window as unknown as {
            Diagram: {
              StateDiagram: new (
                title: string,
                layout: string,
              ) => { element: SVGSVGElement; transition(reason: string, code: number): void };
            };
            clippedTexts(svg: SVGSVGElement): string[];
          };
          const diagram = new w.Diagram.StateDiagram('states', layoutName);
          diagram.element.style.width = layoutName === 'wide' ? '730px' : '360px';
          document.body.replaceChildren(diagram.element);
          const found = w.clippedTexts(diagram.element).map((p) => `at rest: ${p}`);
          for (const from of reasons) {
            for (const to of reasons) {
              diagram.transition(from, 0);
              diagram.transition(to, 1002053);
              found.push(...w.clippedTexts(diagram.element).map((p) => `${from} → ${to}: ${p}`));
            }
          }
          return found;
        },
        [layout, [...REASONS]] as const,
      );
      expect(problems).toEqual([]);
    });
  }
});
