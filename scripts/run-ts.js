'use strict';
// `node scripts/run-ts.js <file.ts> [args...]` — runs a TypeScript entry point through scripts/register.js.
require('./register');
const path = require('node:path');
const file = process.argv[2];
if (!file) { console.error('usage: node scripts/run-ts.js <file.ts> [args...]'); process.exit(2); }
process.argv.splice(1, 2, path.resolve(file));
require(path.resolve(file));
