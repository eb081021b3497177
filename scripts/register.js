'use strict';
// Runtime hook: compiles TypeScript on require with SWC (decorator metadata on) and resolves the
// `@app/<lib>` aliases from tsconfig.json. Used by `npm run demo|sandbox|migrate` and the Docker images:
//   node -r ./scripts/register.js apps/gateway/src/main.ts
require('reflect-metadata');
const Module = require('node:module');
const path = require('node:path');
const fs = require('node:fs');
const { transformSync } = require('@swc/core');

const root = path.resolve(__dirname, '..');
const origResolve = Module._resolveFilename;
Module._resolveFilename = function resolve(request, parent, ...rest) {
  if (request.startsWith('@app/')) {
    const [, lib, ...sub] = request.split('/');
    const target = path.join(root, 'libs', lib, 'src', ...sub);
    return origResolve.call(this, target, parent, ...rest);
  }
  return origResolve.call(this, request, parent, ...rest);
};

require.extensions['.ts'] = function compile(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const { code } = transformSync(source, {
    filename,
    sourceMaps: 'inline',
    module: { type: 'commonjs' },
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      keepClassNames: true,
    },
  });
  module._compile(code, filename);
};
