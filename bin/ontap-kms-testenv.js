#!/usr/bin/env node
// Package bin: runs the compiled entry point (npm run build); from a checkout without a build,
// use `npx tsx src/testenv/cli.ts`.
import '../dist/testenv/cli.js';
