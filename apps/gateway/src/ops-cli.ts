/**
 * The ops CLI (issue 10 item 6): day-to-day ops through the gateway's public API, with the caller's API key —
 * so it sees and changes exactly what that key may, one merchant's data, and every change is audited by the
 * gateway as any API call is.
 *
 *   npm run ops -- keys list                         (admin key)
 *   npm run ops -- keys revoke <keyId>               (admin key)
 *   npm run ops -- shops list                        shops with their credential health
 *   npm run ops -- trace <orderId>                   one order's path, with timestamps
 *   npm run ops -- trace --platform douyin <platformOrderId>
 *   npm run ops -- outbox retry <outboxId...> | --all   failed ERP deliveries back to the queue
 *   npm run ops -- exceptions list                   everything that needs a person (typed, with actions)
 *   npm run ops -- exceptions retry <key> | exceptions resolve <key> [--note <text>]
 *   npm run ops -- queues                            the merchant's pending / failed work
 *   npm run ops -- sla [--from <iso>] [--to <iso>]  pay -> ERP-ack latency and breaches
 *   npm run ops -- alerts list                       alerts that fired, firing first (ops / admin key, or the operator token: all)
 *   npm run ops -- alerts silence <key> --for <duration> [--reason <text>]   e.g. --for 30m, 2h, 1d
 *   npm run ops -- coupons show <campaignId>         a coupon campaign's per-platform state and figures
 *
 * Options: --url (OMNISYNC_URL, default http://127.0.0.1:3000, the gateway), --api-key (OMNISYNC_API_KEY),
 * --json (the API's answer as JSON instead of a table). Exit 0 = done, 1 = the API refused or failed
 * (its message is printed), 2 = usage.
 *
 * Arguments are parsed by commander (a well-kept parser: subcommands, help, unknown-option errors).
 */
import { Command, CommanderError } from 'commander';

export interface OpsCliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  fetch: typeof fetch;
}

class ApiError extends Error {}

interface Globals {
  url: string;
  apiKey?: string;
  json?: boolean;
}

type Row = Record<string, unknown>;

/** a fixed-width text table of the given columns (the CLI's only output format besides --json) */
export function table(rows: Row[], columns: string[]): string[] {
  const cell = (v: unknown): string => (v === null || v === undefined ? '-' : Array.isArray(v) ? v.join(',') : typeof v === 'object' ? JSON.stringify(v) : String(v));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd();
  return [line(columns), ...rows.map((r) => line(columns.map((c) => cell(r[c]))))];
}

/** a shop's health in one word, from what GET /shops shows */
export function shopHealth(s: { status?: string; credentials?: string; tokenExpiresAt?: string | null; hasAccessToken?: boolean }, now = Date.now()): string {
  if (s.credentials === 'unreadable') return 'credentials_unreadable';
  if (s.status && s.status !== 'active') return s.status;
  if (s.tokenExpiresAt) {
    const left = Date.parse(s.tokenExpiresAt) - now;
    if (left <= 0) return 'token_expired';
    if (left < 86_400_000) return `token_expires_in_${Math.max(1, Math.round(left / 3_600_000))}h`;
  }
  if (s.hasAccessToken === false) return 'no_access_token';
  return 'ok';
}

export async function runOpsCli(argv: string[], env: NodeJS.ProcessEnv, io: OpsCliIo): Promise<number> {
  const program = new Command('ops')
    .description('omnisync ops CLI: calls the gateway with your API key')
    .option('--url <url>', 'the gateway', env.OMNISYNC_URL ?? 'http://127.0.0.1:3000')
    .option('--api-key <key>', 'API key (or OMNISYNC_API_KEY)', env.OMNISYNC_API_KEY)
    .option('--json', 'print the API answer as JSON')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });

  const g = (): Globals => program.opts<Globals>();
  async function api<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const { url, apiKey } = g();
    if (!apiKey) throw new CommanderError(2, 'ops.apiKey', '--api-key (or OMNISYNC_API_KEY) is required');
    let res: Response;
    try {
      res = await io.fetch(new URL(path, url.endsWith('/') ? url : `${url}/`).toString(), {
        method,
        headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw new ApiError(`cannot reach the gateway at ${url}: ${e instanceof Error ? e.message : String(e)}`);
    }
    const text = await res.text();
    let data: unknown = text;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON: keep the text */
    }
    if (!res.ok) {
      const m = (data as { message?: unknown } | null)?.message;
      throw new ApiError(`${method} /${path} -> ${res.status}: ${Array.isArray(m) ? m.join('; ') : String(m ?? text)}`);
    }
    return data as T;
  }
  const print = (data: unknown, rows: () => string[]): void => {
    for (const l of g().json ? [JSON.stringify(data, null, 2)] : rows()) io.out(l);
  };

  const keys = program.command('keys').description('API keys of your merchant (admin key)');
  keys
    .command('list')
    .description('list the keys')
    .action(async () => {
      const list = await api<Row[]>('GET', 'api-keys');
      print(list, () => table(list, ['id', 'name', 'prefix', 'roles', 'lastUsedAt', 'expiresAt', 'revokedAt']));
    });
  keys
    .command('revoke <keyId>')
    .description('revoke a key (refused from then on)')
    .action(async (keyId: string) => {
      const k = await api<Row>('DELETE', `api-keys/${encodeURIComponent(keyId)}`);
      print(k, () => [`revoked ${String(k.prefix)} "${String(k.name)}" at ${String(k.revokedAt)}`]);
    });

  program
    .command('shops')
    .description('shops and their credential health')
    .argument('[action]', 'list', 'list')
    .action(async (action: string) => {
      if (action !== 'list') throw new CommanderError(2, 'ops.usage', `unknown shops action "${action}" (list)`);
      const list = await api<Row[]>('GET', 'shops');
      const rows = list.map((s) => ({ ...s, health: shopHealth(s as Parameters<typeof shopHealth>[0]) }));
      print(rows, () => table(rows, ['id', 'platform', 'platformShopId', 'name', 'status', 'health', 'tokenExpiresAt', 'statusReason']));
    });

  program
    .command('trace <orderId>')
    .description("one order's path: push or poll, inbox, versions, ERP deliveries, ack, SLA events, shipments")
    .option('--platform <platform>', 'read <orderId> as this platform\'s order id')
    .action(async (orderId: string, o: { platform?: string }) => {
      const traces = o.platform
        ? (await api<{ traces: Trace[] }>('GET', `orders/trace?${new URLSearchParams({ platform: o.platform, platformOrderId: orderId })}`)).traces
        : [await api<Trace>('GET', `orders/${encodeURIComponent(orderId)}/trace`)];
      print(traces.length === 1 ? traces[0] : { traces }, () => traces.flatMap(traceLines));
    });

  const outbox = program.command('outbox').description('ERP deliveries');
  outbox
    .command('retry [outboxIds...]')
    .description('failed ERP deliveries back to the queue')
    .option('--all', 'every failed delivery of your merchant')
    .action(async (ids: string[], o: { all?: boolean }) => {
      if (!o.all && ids.length === 0) throw new CommanderError(2, 'ops.usage', 'give outbox ids or --all');
      const r = await api<{ retried: string[]; notFound: string[] }>('POST', 'ops/outbox/retry', o.all ? { all: true } : { ids });
      print(r, () => [`retried ${r.retried.length}${r.retried.length ? `: ${r.retried.join(', ')}` : ''}`, ...(r.notFound.length ? [`not found (or not failed): ${r.notFound.join(', ')}`] : [])]);
    });

  const exceptions = program.command('exceptions').description('the exception inbox: what needs a person');
  exceptions
    .command('list')
    .description('open exceptions, newest first')
    .action(async () => {
      const r = await api<{ exceptions: (Row & { title: { en: string; zh: string } })[]; unavailable: string[] }>('GET', 'exceptions');
      const rows = r.exceptions.map((e) => ({ ...e, what: `${e.title.zh} / ${e.title.en}` }));
      print(r, () => [...table(rows, ['key', 'severity', 'since', 'actions', 'what']), ...(r.unavailable.length ? [`not answering (their exceptions are missing): ${r.unavailable.join(', ')}`] : [])]);
    });
  exceptions
    .command('retry <key>')
    .description('run the failed work again')
    .action(async (key: string) => {
      const r = await api<Row>('POST', `exceptions/${encodeURIComponent(key)}/retry`);
      print(r, () => [`retried ${key}`]);
    });
  exceptions
    .command('resolve <key>')
    .description('acknowledge: hidden from then on')
    .option('--note <text>')
    .action(async (key: string, o: { note?: string }) => {
      const r = await api<Row>('POST', `exceptions/${encodeURIComponent(key)}/resolve`, o.note ? { note: o.note } : {});
      print(r, () => [`resolved ${key}`]);
    });

  const alerts = program.command('alerts').description('alerts (DingTalk / Feishu / WeCom / webhook channels)');
  alerts
    .command('list')
    .description('alerts that fired: firing first, newest first')
    .action(async () => {
      const r = await api<{ alerts: (Row & { summary: { zh: string; en: string }; silenced: boolean })[] }>('GET', 'alerts');
      const rows = r.alerts.map((a) => ({ ...a, silenced: a.silenced ? 'yes' : '', what: `${a.summary.zh} / ${a.summary.en}` }));
      print(r, () => table(rows, ['key', 'level', 'state', 'silenced', 'firstFiredAt', 'resolvedAt', 'what']));
    });
  alerts
    .command('silence <key>')
    .description('send nothing for this alert key for a while')
    .requiredOption('--for <duration>', 'how long: <n>s, <n>m, <n>h or <n>d (1 minute to 30 days)')
    .option('--reason <text>')
    .action(async (key: string, o: { for: string; reason?: string }) => {
      const durationSec = parseDuration(o.for);
      if (durationSec === null) throw new CommanderError(2, 'ops.duration', `--for must be a duration like 30m, 2h or 1d (got "${o.for}")`);
      const r = await api<Row>('POST', 'alert-silences', { key, durationSec, ...(o.reason ? { reason: o.reason } : {}) });
      print(r, () => [`silenced ${key} until ${String(r.expiresAt)}`]);
    });

  program
    .command('queues')
    .description("your merchant's pending and failed work")
    .action(async () => {
      const w = await api<Row>('GET', 'ops/queues');
      print(w, () => [JSON.stringify(w, null, 2)]);
    });

  program
    .command('sla')
    .description('pay -> ERP-ack latency and breaches')
    .option('--from <iso>')
    .option('--to <iso>')
    .action(async (o: { from?: string; to?: string }) => {
      const q = new URLSearchParams(Object.entries(o).filter(([, v]) => v !== undefined) as [string, string][]);
      const r = await api<Row>('GET', `ops/sla${q.size ? `?${q}` : ''}`);
      print(r, () => [JSON.stringify(r, null, 2)]);
    });

  const coupons = program.command('coupons').description('coupon campaigns');
  coupons
    .command('show <campaignId>')
    .description("a campaign's status, per-platform state (with the reasons) and figures")
    .action(async (id: string) => {
      const c = await api<Campaign>('GET', `coupon-campaigns/${encodeURIComponent(id)}`);
      print(c, () => campaignLines(c));
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version are "errors" to commander; they exit 0
      if (e.exitCode === 0) return 0;
      if (!e.code.startsWith('commander.')) io.err(`ops: ${e.message}`);
      return 2;
    }
    io.err(`ops: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

/** `90s`, `30m`, `2h`, `1d` -> seconds; null when not a duration */
export function parseDuration(text: string): number | null {
  const m = /^(\d+)\s*(s|m|h|d)$/i.exec(text.trim());
  if (!m) return null;
  const unit = { s: 1, m: 60, h: 3600, d: 86_400 }[m[2].toLowerCase() as 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

interface Trace {
  order: { id: string; platform: string; platformOrderId: string; status: string; erpOrderId: string | null };
  arrivedBy: string;
  payToErpAckMs: number | null;
  timeline: { at: string; event: string; detail: Record<string, unknown> }[];
  limits: string[];
}

function traceLines(t: Trace): string[] {
  const detail = (d: Record<string, unknown>) =>
    Object.entries(d)
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
      .join(' ');
  return [
    `order ${t.order.id}  ${t.order.platform}/${t.order.platformOrderId}  ${t.order.status}  erp=${t.order.erpOrderId ?? '-'}  arrived by ${t.arrivedBy}` +
      (t.payToErpAckMs === null ? '  not yet acknowledged' : `  pay->ack ${(t.payToErpAckMs / 1000).toFixed(1)} s`),
    ...t.timeline.map((e) => `  ${e.at}  ${e.event.padEnd(20)} ${detail(e.detail)}`.trimEnd()),
    ...t.limits.map((l) => `  note: ${l}`),
  ];
}

interface Campaign {
  id: string;
  name: string;
  status: string;
  kind: string;
  thresholdFen: number | null;
  amountFen: number | null;
  ratePermille: number | null;
  maxDiscountFen: number | null;
  totalQuantity: number;
  budgetFen: number;
  claimStartsAt: string;
  claimEndsAt: string;
  platforms: { shopId: string; platform: string; state: string; reason: string | null; warnings: string[]; api: string | null; platformCouponId: string | null; lastError: string | null }[];
  figures: {
    remainingStock: number;
    redemptions: number;
    returned: number;
    spentFen: number;
    gmvFen: number;
    byPlatform: { platform: string; redemptions: number; returned: number; spentFen: number; gmvFen: number }[];
    budget: { budgetFen: number; spentPct: number; marks: { pct: number; crossedAt: string }[]; exhaustedAt: string | null; overshootFen: number };
    note: string;
  };
}

const yuan = (fen: number | null): string => (fen === null ? '-' : `¥${(fen / 100).toFixed(2)}`);

/** exported for its unit spec */
export function campaignLines(c: Campaign): string[] {
  const offer =
    c.kind === 'discount'
      ? `${(c.ratePermille ?? 0) / 100}折 capped at ${yuan(c.maxDiscountFen)}${c.thresholdFen ? ` from ${yuan(c.thresholdFen)}` : ''}`
      : c.kind === 'threshold'
        ? `${yuan(c.amountFen)} off from ${yuan(c.thresholdFen)}`
        : `${yuan(c.amountFen)} off`;
  const f = c.figures;
  return [
    `campaign ${c.id}  "${c.name}"  ${c.status}  ${offer}  quantity ${c.totalQuantity}  budget ${yuan(c.budgetFen)}`,
    `  claim ${c.claimStartsAt} -> ${c.claimEndsAt}`,
    ...table(
      c.platforms.map((p) => ({ ...p, coupon: p.platformCouponId ?? '-', why: [p.reason, p.lastError].filter(Boolean).join('; ') })),
      ['platform', 'shopId', 'state', 'api', 'coupon', 'why'],
    ).map((l) => `  ${l}`),
    ...c.platforms.flatMap((p) => p.warnings.map((w) => `  warning (${p.platform}): ${w}`)),
    `  remaining ${f.remainingStock}  redemptions ${f.redemptions} (returned ${f.returned})  spent ${yuan(f.spentFen)} of ${yuan(c.budgetFen)} (${f.budget.spentPct}%)  GMV ${yuan(f.gmvFen)}`,
    ...f.byPlatform.map((p) => `    ${p.platform}: ${p.redemptions} redemptions, ${p.returned} returned, spent ${yuan(p.spentFen)}, GMV ${yuan(p.gmvFen)}`),
    ...(f.budget.marks.length > 0 ? [`  budget marks: ${f.budget.marks.map((m) => `${m.pct}% at ${m.crossedAt}`).join(', ')}`] : []),
    ...(f.budget.exhaustedAt ? [`  exhausted at ${f.budget.exhaustedAt}, overshoot ${yuan(f.budget.overshootFen)}`] : []),
  ];
}

if (process.argv[1] === __filename) {
  runOpsCli(process.argv.slice(2), process.env, { out: (l) => console.log(l), err: (l) => console.error(l), fetch }).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(`ops: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    },
  );
}
