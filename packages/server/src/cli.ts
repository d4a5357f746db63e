#!/usr/bin/env node
// The `atrium` binary; everything else is in cli/main.ts.
import { main } from './cli/main.js';

process.exitCode = await main(process.argv.slice(2));
