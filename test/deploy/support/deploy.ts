/**
 * What the deployment files give each app, read the way the tools read them: `kubectl kustomize` renders the
 * k8s overlays, the compose file is interpolated from its env files the way `docker compose` does, and the
 * image's own ENV (docker/Dockerfile, per build target) lies beneath both. The specs in this folder then
 * compare the result with each app's env class and validate the objects against their schemas.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, ValidationTypes } from 'class-validator';
import { parseAllDocuments } from 'yaml';
import { CatalogSyncEnv } from '../../../apps/catalog-sync/src/config/env.validation';
import { CouponEnv } from '../../../apps/coupon/src/config/env.validation';
import { GatewayEnv } from '../../../apps/gateway/src/config/env.validation';
import { OrderSyncEnv } from '../../../apps/order-sync/src/config/env.validation';

export const ROOT = join(__dirname, '../../..');
export const APPS = ['gateway', 'order-sync', 'catalog-sync', 'coupon'] as const;
export type AppName = (typeof APPS)[number];
export const ENV_CLASSES: Record<AppName, new () => object> = {
  gateway: GatewayEnv,
  'order-sync': OrderSyncEnv,
  'catalog-sync': CatalogSyncEnv,
  coupon: CouponEnv,
};
export const OVERLAYS = ['k8s/overlays/dev', 'k8s/overlays/prod'] as const;
export const MIGRATE_OVERLAYS = ['k8s/overlays/dev/migrate', 'k8s/overlays/prod/migrate'] as const;

export type Env = Record<string, string>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; [k: string]: any };

export function readText(rel: string): string {
  return readFileSync(join(ROOT, rel), 'utf8');
}

/** Every document of a YAML file or stream; YAML merge keys (`<<`, compose's anchors) resolved. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function parseYaml(text: string, where: string): any[] {
  const docs = parseAllDocuments(text, { merge: true });
  for (const d of docs) if (d.errors.length) throw new Error(`${where}: ${d.errors[0].message}`);
  return docs.map((d) => d.toJS()).filter((d) => d != null);
}

/**
 * `kubectl kustomize <dir>`: the kustomize built into kubectl (v5 here). This machine image ships kubectl;
 * the spec fails, never skips, without it.
 */
export function kustomize(dir: string): K8sObject[] {
  let out: string;
  try {
    out = execFileSync('kubectl', ['kustomize', join(ROOT, dir)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { code?: string; stderr?: string; message: string };
    if (err.code === 'ENOENT') throw new Error('kubectl is not installed: the k8s specs render the overlays with `kubectl kustomize`');
    throw new Error(`kubectl kustomize ${dir} failed: ${err.stderr ?? err.message}`);
  }
  return parseYaml(out, dir) as K8sObject[];
}

/** KEY=VALUE lines (the subset of the env-file format docker/*.env and k8s/*.env use: no quotes, no expansion). */
export function parseEnvFile(text: string): Env {
  const env: Env = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) env[m[1]] = m[2].trim();
  }
  return env;
}

/**
 * The image's ENV for one build target: the ENV lines of the stages it is built FROM (base, then the target).
 * `ENV K=V K2="v 2"` and `ENV K V` forms.
 */
export function imageEnv(target: string): Env {
  const stages = new Map<string, { from: string; env: Env }>();
  let current: { from: string; env: Env } | null = null;
  for (const raw of readText('docker/Dockerfile').split('\n')) {
    const line = raw.trim();
    const from = /^FROM\s+(\S+)\s+AS\s+(\S+)/i.exec(line);
    if (from) {
      current = { from: from[1], env: {} };
      stages.set(from[2], current);
      continue;
    }
    const env = /^ENV\s+(.*)$/i.exec(line);
    if (!env || !current) continue;
    const pairs = [...env[1].matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("([^"]*)"|\S+)/g)];
    if (pairs.length > 0) for (const p of pairs) current.env[p[1]] = p[3] ?? p[2];
    else {
      const [k, ...v] = env[1].split(/\s+/);
      current.env[k] = v.join(' ');
    }
  }
  const chain: Env[] = [];
  for (let s = stages.get(target); s; s = stages.get(s.from)) chain.unshift(s.env);
  if (chain.length === 0) throw new Error(`docker/Dockerfile has no stage ${target}`);
  return Object.assign({}, ...chain);
}

/** The build target an image reference was built from: `<registry>/omnisync/<target>:<tag>` -> target. */
export function imageTarget(image: string): string {
  return /\/([^/:]+):[^/:]+$/.exec(image)?.[1] ?? image;
}

/**
 * Compose's variable substitution (compose-spec "Interpolation"): `$$`, `$VAR`, `${VAR}`, `${VAR:-default}`,
 * `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`, `${VAR:+replacement}`, `${VAR+replacement}` — the forms
 * compose.yaml uses (no nesting). A missing required variable throws, as `docker compose` refuses to start.
 */
export function interpolate(value: string, vars: Env): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (all, name, colon, op, arg, bare) => {
    if (all === '$$') return '$';
    if (bare) return vars[bare] ?? '';
    const v = vars[name];
    const set = colon ? v !== undefined && v !== '' : v !== undefined;
    if (op === '-') return set ? v : arg;
    if (op === '?') {
      if (!set) throw new Error(`required variable ${name} is missing a value: ${arg}`);
      return v;
    }
    if (op === '+') return set ? arg : '';
    return v ?? '';
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function interpolateAll(node: any, vars: Env): any {
  if (typeof node === 'string') return interpolate(node, vars);
  if (Array.isArray(node)) return node.map((n) => interpolateAll(n, vars));
  if (node && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolateAll(v, vars)]));
  return node;
}

/** Every `${VAR...}` the compose file's values refer to (comments are not substituted), with whether it is required (`:?` / `?`). */
export function composeVariables(): Map<string, { required: boolean }> {
  const vars = new Map<string, { required: boolean }>();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const walk = (node: any): void => {
    if (typeof node === 'string') {
      for (const m of node.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?+])[^}]*)?\}/g)) {
        vars.set(m[1], { required: m[3] === '?' || vars.get(m[1])?.required === true });
      }
    } else if (node && typeof node === 'object') Object.values(node).forEach(walk);
  };
  walk(parseYaml(readText('docker/compose.yaml'), 'docker/compose.yaml'));
  return vars;
}

/** docker/compose.yaml as `docker compose` would run it with these env files (later files win). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function composeModel(vars: Env): any {
  const [doc] = parseYaml(readText('docker/compose.yaml'), 'docker/compose.yaml');
  return interpolateAll(doc, vars);
}

/** One container's environment in a rendered overlay: image ENV, then envFrom, then env (k8s precedence). */
export function containerEnv(
  objects: K8sObject[],
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  container: any,
  secretData: (name: string) => Env | null,
): { env: Env; problems: string[] } {
  const problems: string[] = [];
  const configMap = (name: string): Env | null => {
    const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name);
    return cm ? { ...(cm.data ?? {}) } : null;
  };
  const env: Env = { ...imageEnv(imageTarget(container.image)) };
  for (const from of container.envFrom ?? []) {
    if (from.configMapRef) {
      const data = configMap(from.configMapRef.name);
      if (!data) problems.push(`envFrom ConfigMap ${from.configMapRef.name} is not rendered`);
      Object.assign(env, data ?? {});
    } else if (from.secretRef) {
      const data = secretData(from.secretRef.name);
      if (!data && !from.secretRef.optional) problems.push(`envFrom Secret ${from.secretRef.name} does not exist`);
      Object.assign(env, data ?? {});
    } else problems.push(`envFrom entry of an unknown kind: ${JSON.stringify(from)}`);
  }
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env[e.name] = String(e.value);
    else if (e.valueFrom?.secretKeyRef || e.valueFrom?.configMapKeyRef) {
      const ref = e.valueFrom.secretKeyRef ?? e.valueFrom.configMapKeyRef;
      const data = e.valueFrom.secretKeyRef ? secretData(ref.name) : configMap(ref.name);
      const value = data?.[ref.key];
      if (value !== undefined) env[e.name] = value;
      else if (!ref.optional) problems.push(`${e.name}: key ${ref.key} of ${e.valueFrom.secretKeyRef ? 'Secret' : 'ConfigMap'} ${ref.name} does not exist`);
    } else if (e.valueFrom) problems.push(`${e.name}: valueFrom of an unsupported kind ${JSON.stringify(e.valueFrom)}`);
    else env[e.name] = '';
  }
  return { env, problems };
}

/** A rendered Secret's values (data is base64, stringData plain). */
export function secretValues(secret: K8sObject): Env {
  const out: Env = {};
  for (const [k, v] of Object.entries<string>(secret.data ?? {})) out[k] = Buffer.from(v, 'base64').toString('utf8');
  return { ...out, ...(secret.stringData ?? {}) };
}

interface EnvRequirement {
  /** variables the class requires here: no default, not @IsOptional, every @ValidateIf condition true on this env */
  required: string[];
  /** variables whose class default is a loopback address: in a container that is the container itself */
  loopbackDefaults: string[];
}

const LOOPBACK = /(^|[/@:])(127\.\d+\.\d+\.\d+|localhost|\[?::1\]?)([:/]|$)/;

/** What an env class asks of a deployment's environment, read from its class-validator metadata and defaults. */
export function envRequirements(EnvClass: new () => object, env: Env): EnvRequirement {
  const metas = getMetadataStorage().getTargetValidationMetadatas(EnvClass, '', true, false);
  const defaults = new EnvClass() as Record<string, unknown>;
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const instance = plainToInstance(EnvClass, cleaned, { exposeDefaultValues: true }) as Record<string, unknown>;
  const required: string[] = [];
  const loopbackDefaults: string[] = [];
  for (const prop of [...new Set(metas.map((m) => m.propertyName))].sort()) {
    const own = metas.filter((m) => m.propertyName === prop);
    const conditional = own.filter((m) => m.type === ValidationTypes.CONDITIONAL_VALIDATION);
    const optional = conditional.some((m) => m.name === 'isOptional');
    const applies = conditional
      .filter((m) => m.name !== 'isOptional')
      .every((m) => (m.constraints[0] as (o: object, v: unknown) => boolean)(instance, instance[prop]));
    if (defaults[prop] === undefined && !optional && applies) required.push(prop);
    if (typeof defaults[prop] === 'string' && LOOPBACK.test(defaults[prop] as string)) loopbackDefaults.push(prop);
  }
  return { required, loopbackDefaults };
}

/** The variables of `env` an app's deployment lacks: required ones unset, loopback defaults not overridden. */
export function missingFor(app: AppName, env: Env): string[] {
  const { required, loopbackDefaults } = envRequirements(ENV_CLASSES[app], env);
  const set = (k: string) => env[k] !== undefined && env[k] !== '';
  return [...new Set([...required, ...loopbackDefaults])].filter((k) => !set(k)).sort();
}
