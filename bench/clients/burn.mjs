// Keeps one core busy until the benchmark ends: a storm measured on a machine that is not idle.
// The work runs in slices so the parent's messages (and its exit) still get through.

import { serveParent } from '../lib/child.mjs';

serveParent({})({});
const spin = () => {
  const until = performance.now() + 50;
  let x = 0;
  while (performance.now() < until) x += Math.sqrt(x + 1);
  setImmediate(spin);
};
spin();
