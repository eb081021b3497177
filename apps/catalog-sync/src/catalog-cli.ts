/**
 * catalog-sync CLI (plain Node, no extra deps).
 *
 *   node scripts/run-ts.js apps/catalog-sync/src/catalog-cli.ts publish --all --platforms douyin,taobao
 *   node scripts/run-ts.js apps/catalog-sync/src/catalog-cli.ts publish <productId> [<productId> ...]
 *   node scripts/run-ts.js apps/catalog-sync/src/catalog-cli.ts import catalog.csv
 *   node scripts/run-ts.js apps/catalog-sync/src/catalog-cli.ts status <productId>
 *
 * Options: --url (default: with an API key the gateway, OMNISYNC_URL or http://127.0.0.1:3000; with --merchant
 * catalog-sync itself, CATALOG_URL or http://127.0.0.1:3002), --merchant (MERCHANT_ID; for calling catalog-sync
 * directly: the call is signed as the gateway signs it, with INTERNAL_SERVICE_SECRET from the environment, as
 * merchant MERCHANT_ID with role merchandiser) or --api-key (OMNISYNC_API_KEY; sent as a Bearer token, for calling
 * through the gateway), --timeout-sec (default 600).
 * Bulk publish shows a progress bar on stderr; results go to stdout. Exit 0 = all published, 1 = some failed
 * or were rejected, 2 = usage / request error.
 */
import { readFile } from 'node:fs/promises';
import { signServiceCall, UNSIGNED_PAYLOAD } from '@app/service-auth';

export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
  /** true when stderr is a terminal (the bar redraws in place) */
  tty: boolean;
  fetch: typeof fetch;
  sleep: (ms: number) => Promise<void>;
}

interface Opts {
  url: string;
  merchant?: string;
  internalSecret?: string;
  apiKey?: string;
  platforms?: string[];
  all: boolean;
  format?: string;
  timeoutSec: number;
  args: string[];
}

/** `[##########----------]  50% 10/20 published 9 failed 1` */
export function renderProgressBar(counts: { published: number; failed: number; total: number }, width = 30): string {
  const done = counts.published + counts.failed;
  const ratio = counts.total === 0 ? 1 : done / counts.total;
  const filled = Math.round(ratio * width);
  const pct = String(Math.floor(ratio * 100)).padStart(3, ' ');
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${pct}% ${done}/${counts.total} published ${counts.published} failed ${counts.failed}`;
}

function parseArgs(argv: string[], env: NodeJS.ProcessEnv): Opts {
  const o: Opts = { url: '', merchant: env.MERCHANT_ID, internalSecret: env.INTERNAL_SERVICE_SECRET, apiKey: env.OMNISYNC_API_KEY, all: false, timeoutSec: 600, args: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--url') o.url = next();
    else if (a === '--merchant') o.merchant = next();
    else if (a === '--api-key') o.apiKey = next();
    else if (a === '--platforms') o.platforms = next().split(',').map((p) => p.trim()).filter(Boolean);
    else if (a === '--all') o.all = true;
    else if (a === '--format') o.format = next();
    else if (a === '--timeout-sec') o.timeoutSec = Number(next());
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else o.args.push(a);
  }
  // an API key is for the gateway (catalog-sync takes only gateway-signed calls); --merchant signs as the gateway
  // does, for calling catalog-sync directly
  if (!o.url) o.url = o.apiKey ? (env.OMNISYNC_URL ?? 'http://127.0.0.1:3000') : (env.CATALOG_URL ?? 'http://127.0.0.1:3002');
  return o;
}

class Api {
  constructor(
    private readonly o: Opts,
    private readonly io: CliIo,
  ) {}

  private headers(method: string, path: string, body: string | undefined, contentType: string, extra: Record<string, string> = {}): Record<string, string> {
    const h: Record<string, string> = { ...extra };
    if (this.o.apiKey) h.authorization = `Bearer ${this.o.apiKey}`;
    else if (this.o.merchant) {
      if (!this.o.internalSecret) throw new Error('--merchant (direct) needs INTERNAL_SERVICE_SECRET: catalog-sync accepts only signed calls');
      Object.assign(h, signServiceCall(this.o.internalSecret, { method, pathAndQuery: path, merchantId: this.o.merchant, roles: ['merchandiser'],
        // catalog-sync streams CSV/XLSX imports itself (no raw JSON body to hash), as the gateway's proxy does
        body: body !== undefined && contentType !== 'application/json' ? UNSIGNED_PAYLOAD : (body ?? null) }));
    } else throw new Error('give --merchant <id> (direct) or --api-key <key> (through the gateway)');
    return h;
  }

  async call(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: any }> {
    const data = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const res = await this.io.fetch(`${this.o.url.replace(/\/$/, '')}${path}`, {
      method,
      headers: this.headers(method, path, data, contentType, body === undefined ? {} : { 'content-type': contentType }),
      body: data,
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed };
  }
}

export async function runCli(argv: string[], io: CliIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let o: Opts;
  try {
    o = parseArgs(argv.slice(1), env);
  } catch (e) {
    io.err(`${(e as Error).message}\n`);
    return 2;
  }
  const api = new Api(o, io);
  const cmd = argv[0];
  try {
    switch (cmd) {
      case 'publish':
        return await publish(api, o, io);
      case 'import': {
        const file = o.args[0];
        if (!file) throw new Error('import needs a file');
        const format = o.format ?? (file.endsWith('.json') ? 'json' : 'csv');
        const text = await readFile(file, 'utf8');
        const res = await api.call('POST', `/products/import?format=${format}`, text, format === 'csv' ? 'text/csv' : 'application/octet-stream');
        if (res.status !== 200) throw new Error(`import failed (${res.status}): ${JSON.stringify(res.body)}`);
        io.out(`rows ${res.body.rows}, imported ${res.body.imported.skus} SKUs in ${res.body.imported.products} products, rejected ${res.body.rejectedRows} rows\n`);
        for (const e of res.body.errors) io.out(`row ${e.row}${e.line ? ` (line ${e.line})` : ''} ${e.field}: ${e.message}\n`);
        return res.body.rejectedRows > 0 ? 1 : 0;
      }
      case 'status': {
        const id = o.args[0];
        if (!id) throw new Error('status needs a product id');
        const res = await api.call('GET', `/products/${id}/publish-status`);
        if (res.status !== 200) throw new Error(`status failed (${res.status}): ${JSON.stringify(res.body)}`);
        for (const l of res.body.listings) io.out(`${l.platform}\t${l.status}\t${l.platformProductId ?? '-'}\tv${l.publishedVersion ?? '-'}${l.lastError ? `\t${l.lastError}` : ''}\n`);
        return 0;
      }
      default:
        io.err('usage: catalog-cli publish (--all | <productId>...) [--platforms p1,p2] | import <file> | status <productId>\n');
        return 2;
    }
  } catch (e) {
    io.err(`${(e as Error).message}\n`);
    return 2;
  }
}

async function publish(api: Api, o: Opts, io: CliIo): Promise<number> {
  if (!o.all && o.args.length === 0) throw new Error('publish needs --all or product ids');
  const body: Record<string, unknown> = {};
  if (o.platforms) body.platforms = o.platforms;
  if (!o.all) body.productIds = o.args;
  const res = await api.call('POST', '/products/publish', body);
  if (res.status !== 202) throw new Error(`publish failed (${res.status}): ${JSON.stringify(res.body)}`);
  const { runId, rejected } = res.body as { runId: string; rejected: { productId: string; violations: { field: string; word: string; category: string }[]; limitViolations: { platform: string; message: string }[] }[] };
  for (const r of rejected) {
    const why = [...r.violations.map((v) => `${v.field}: ${v.word} (${v.category})`), ...r.limitViolations.map((l) => `${l.platform}: ${l.message}`)];
    io.out(`rejected ${r.productId}: ${why.join('; ')}\n`);
  }
  const deadline = Date.now() + o.timeoutSec * 1000;
  let last = '';
  let lastPrinted = 0;
  for (;;) {
    const p = await api.call('GET', `/publish-runs/${runId}`);
    if (p.status === 404 && res.body.queued === 0) break; // nothing was queued
    if (p.status !== 200) throw new Error(`progress failed (${p.status}): ${JSON.stringify(p.body)}`);
    const bar = renderProgressBar({ published: p.body.counts.published, failed: p.body.counts.failed, total: p.body.total });
    if (io.tty) io.err(`\r${bar}`);
    else if (bar !== last && (Date.now() - lastPrinted > 2000 || p.body.done)) {
      io.err(`${bar}\n`);
      lastPrinted = Date.now();
    }
    last = bar;
    if (p.body.done) {
      if (io.tty) io.err('\n');
      for (const l of p.body.listings) if (l.status === 'failed') io.out(`failed ${l.productId} ${l.platform}: ${l.lastError ?? ''}\n`);
      io.out(`run ${runId}: published ${p.body.counts.published}, failed ${p.body.counts.failed}, rejected ${rejected.length}\n`);
      return p.body.counts.failed > 0 || rejected.length > 0 ? 1 : 0;
    }
    if (Date.now() > deadline) throw new Error(`run ${runId} not done after ${o.timeoutSec} s`);
    await io.sleep(500);
  }
  io.out(`run ${runId}: nothing queued, rejected ${rejected.length}\n`);
  return rejected.length > 0 ? 1 : 0;
}

if (require.main === module || process.argv[1] === __filename) {
  void runCli(process.argv.slice(2), {
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
    tty: Boolean(process.stderr.isTTY),
    fetch: globalThis.fetch,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  }).then((code) => {
    process.exitCode = code;
  });
}
