'use strict';
// Runtime hook: compiles TypeScript on require with SWC (decorator metadata on) and resolves the
// `@app/<lib>` aliases from tsconfig.json. Used by `npm run demo|sandbox|migrate` and the Docker images:
//   node -r ./scripts/register.js apps/gateway/src/main.ts
// Compiled output is cached on disk by content hash (node_modules/.cache/omnisync-swc, or
// OMNISYNC_SWC_CACHE; set it to "off" to disable), so a restart does not compile again.
require('reflect-metadata');
const Module = require('node:module');
const path = require('node:path');
const fs = require('node:fs');
const crypto = require('node:crypto');
// @swc/core (a large native module) is loaded only on a cache miss: a warm start never maps it
let swc = null;
const swcCore = () => (swc ??= require('@swc/core'));
const swcVersion = require('@swc/core/package.json').version;

const root = path.resolve(__dirname, '..');
const cacheDir = process.env.OMNISYNC_SWC_CACHE === 'off' ? null : (process.env.OMNISYNC_SWC_CACHE ?? path.join(root, 'node_modules', '.cache', 'omnisync-swc'));
const OPTIONS = {
  sourceMaps: 'inline',
  module: { type: 'commonjs' },
  jsc: {
    target: 'es2022',
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    keepClassNames: true,
  },
};
const optionsHash = crypto.createHash('sha1').update(JSON.stringify(OPTIONS) + swcVersion).digest('hex').slice(0, 8);

const origResolve = Module._resolveFilename;
Module._resolveFilename = function resolve(request, parent, ...rest) {
  if (request.startsWith('@app/')) {
    const [, lib, ...sub] = request.split('/');
    const target = path.join(root, 'libs', lib, 'src', ...sub);
    return origResolve.call(this, target, parent, ...rest);
  }
  return origResolve.call(this, request, parent, ...rest);
};

function compile(source, filename) {
  let cached = null;
  if (cacheDir) {
    const key = crypto.createHash('sha1').update(optionsHash).update(filename).update(source).digest('hex');
    cached = path.join(cacheDir, `${key}.js`);
    try {
      return fs.readFileSync(cached, 'utf8');
    } catch {
      // not cached yet
    }
  }
  const { code } = swcCore().transformSync(source, { ...OPTIONS, filename });
  if (cached) {
    try {
      fs.mkdirSync(cacheDir, { recursive: true });
      const tmp = `${cached}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, code);
      fs.renameSync(tmp, cached);
    } catch {
      // a read-only file system (e.g. the production image) just compiles each time
    }
  }
  return code;
}

require.extensions['.ts'] = function loadTs(module, filename) {
  module._compile(compile(fs.readFileSync(filename, 'utf8'), filename), filename);
};
