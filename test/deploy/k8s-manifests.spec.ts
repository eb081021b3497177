/**
 * The k8s overlays as `kubectl kustomize` renders them: every object validated against its schema (Kubernetes'
 * OpenAPI schemas from kubernetes-models, the KEDA and prometheus-operator CRD schemas from their
 * @kubernetes-models packages, all ajv-compiled), then the properties issue 12 asks of them. These schemas, like
 * kubeconform without -strict, accept fields they do not know; the checks below read the fields that matter.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { QUEUE } from '@app/contracts';
import { QueueKeys } from 'bullmq';
import { APPS, MIGRATE_OVERLAYS, OVERLAYS, ROOT, kustomize, readText, type K8sObject } from './support/deploy';

const PORTS: Record<string, { http: number; metrics: number }> = {
  gateway: { http: 3000, metrics: 9400 },
  'order-sync': { http: 3001, metrics: 9401 },
  'catalog-sync': { http: 3002, metrics: 9402 },
  coupon: { http: 3003, metrics: 9403 },
};
const INTERNAL = ['order-sync', 'catalog-sync', 'coupon'];

/** the model class (and so the schema) of an apiVersion/kind; an object with none fails the spec */
function modelFor(apiVersion: string, kind: string): { new (data: object): { validate(): void } } | undefined {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const modules: Record<string, () => Record<string, unknown>> = {
    '': () => require('kubernetes-models/v1'),
    apps: () => require('kubernetes-models/apps/v1'),
    batch: () => require('kubernetes-models/batch/v1'),
    policy: () => require('kubernetes-models/policy/v1'),
    autoscaling: () => require('kubernetes-models/autoscaling/v2'),
    'networking.k8s.io': () => require('kubernetes-models/networking.k8s.io/v1'),
    'keda.sh': () => require('@kubernetes-models/keda/keda.sh/v1alpha1'),
    'monitoring.coreos.com': () => require('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1'),
  };
  const versions: Record<string, string> = { '': 'v1', apps: 'v1', batch: 'v1', policy: 'v1', autoscaling: 'v2', 'networking.k8s.io': 'v1', 'keda.sh': 'v1alpha1', 'monitoring.coreos.com': 'v1' };
  if (!modules[group] || versions[group] !== version) return undefined;
  return modules[group]()[kind] as never;
}

function schemaErrors(o: K8sObject): string | null {
  const Model = modelFor(o.apiVersion, o.kind);
  if (!Model) return `no schema for ${o.apiVersion} ${o.kind}`;
  // kustomize wraps long base64 Secret values over several lines; the API server's decoder (Go encoding/base64)
  // skips line breaks, the schema's "byte" format does not: compare the value the server reads
  const data = o.kind === 'Secret' && o.data ? Object.fromEntries(Object.entries<string>(o.data).map(([k, v]) => [k, v.replace(/\n/g, '')])) : o.data;
  try {
    new Model({ ...o, ...(data ? { data } : {}) }).validate();
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * The per-platform publish queues ({catalog-publish}-to-<platform>, made by platformPublishProcessors): scaled on
 * as one, through a label regex, so that adding a platform changes no manifest.
 */
const PLATFORM_PUBLISH = 'platform publish queues';
const selectorOf = (q: string): string => (q === PLATFORM_PUBLISH ? 'queue=~"\\\\{catalog-publish\\\\}-to-.+"' : `queue="${q}"`);

/** queues each app consumes: its @Processor(QUEUE.X) declarations (and the per-platform publish queues) */
function consumedQueues(app: string): string[] {
  const found = new Set<string>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts'))
      {
        const text = readFileSync(p, 'utf8');
        for (const m of text.matchAll(/^\s*@Processor\(QUEUE\.([A-Z_]+)/gm)) found.add(QUEUE[m[1] as keyof typeof QUEUE]);
        if (/\bProcessor\(publishQueueOf\(/.test(text)) found.add(PLATFORM_PUBLISH);
      }
    }
  };
  walk(join(ROOT, 'apps', app, 'src'));
  return [...found].sort();
}

/** queues whose jobs carry a BullMQ priority: they wait in the `prioritized` sorted set, not the wait list */
const PRIORITIZED: string[] = [QUEUE.ERP_INTERCEPT, QUEUE.CATALOG_PUBLISH, PLATFORM_PUBLISH];
/** queues whose waiting jobs say nothing about load: flow parents wait in waiting-children for their children */
const NOT_SCALED_ON: string[] = [QUEUE.CATALOG_PUBLISH_FLOW];

const dockerUser = /^USER\s+(\d+):(\d+)\s*$/m.exec(readText('docker/Dockerfile'));

describe('the validator', () => {
  // it must be able to fail: the schemas reject broken copies of real objects
  const prod = kustomize('k8s/overlays/prod');
  const dep = prod.find((o) => o.kind === 'Deployment')!;
  const so = prod.find((o) => o.kind === 'ScaledObject')!;
  const sm = prod.find((o) => o.kind === 'ServiceMonitor')!;

  it('rejects objects that break their schemas', () => {
    expect(schemaErrors(dep)).toBeNull();
    expect(schemaErrors({ ...dep, spec: { ...dep.spec, replicas: 'two' } })).toMatch(/replicas must be integer/);
    expect(schemaErrors({ ...dep, spec: { ...dep.spec, selector: undefined } })).toMatch(/selector/);
    expect(schemaErrors(so)).toBeNull();
    expect(schemaErrors({ ...so, spec: { ...so.spec, triggers: [{ type: 'redis', metadata: { listLength: 5 } }] } })).toMatch(/must be string/);
    expect(schemaErrors({ ...so, spec: { ...so.spec, scaleTargetRef: undefined } })).toMatch(/scaleTargetRef/);
    expect(schemaErrors(sm)).toBeNull();
    expect(schemaErrors({ ...sm, spec: { ...sm.spec, endpoints: 'metrics' } })).toMatch(/endpoints must be array/);
    expect(schemaErrors({ ...dep, apiVersion: 'apps/v1beta1' })).toMatch(/no schema/);
  });
});

describe('k8s/base', () => {
  it('renders', () => {
    expect(kustomize('k8s/base').length).toBeGreaterThan(20);
  });
});

describe.each([...OVERLAYS, ...MIGRATE_OVERLAYS])('%s', (overlay) => {
  const objects = kustomize(overlay);
  it('renders objects that all validate against their schemas', () => {
    expect(objects.length).toBeGreaterThan(1);
    const invalid = objects.map((o) => ({ object: `${o.kind}/${o.metadata.name}`, error: schemaErrors(o) })).filter((x) => x.error);
    expect(invalid).toEqual([]);
    for (const o of objects) if (o.kind !== 'Namespace') expect({ o: `${o.kind}/${o.metadata.name}`, ns: o.metadata.namespace }).toEqual({ o: `${o.kind}/${o.metadata.name}`, ns: 'omnisync' });
  });

  it('runs every pod as the image numeric user, non-root, on a read-only root, with versioned images', () => {
    expect(dockerUser).not.toBeNull();
    const pods = objects.filter((o) => o.spec?.template?.spec).map((o) => ({ name: `${o.kind}/${o.metadata.name}`, spec: o.spec.template.spec }));
    expect(pods.length).toBeGreaterThan(0);
    const tags = new Set<string>();
    for (const { name, spec } of pods) {
      expect({ name, ...spec.securityContext }).toMatchObject({ name, runAsNonRoot: true, runAsUser: Number(dockerUser![1]), runAsGroup: Number(dockerUser![2]) });
      for (const c of spec.containers) {
        expect({ name, ...c.securityContext }).toMatchObject({ name, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
        const tag = /:([^/:]+)$/.exec(c.image)?.[1];
        expect({ name, tag }).toEqual({ name, tag: expect.stringMatching(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/) });
        tags.add(tag!);
        expect(c.resources.requests.cpu).toBeDefined();
        expect(c.resources.requests.memory).toBeDefined();
        expect(c.resources.limits.memory).toBeDefined();
      }
    }
    // one release: every image of an overlay carries the same tag
    expect(tags.size).toBe(1);
  });
});

describe('the migrations', () => {
  it.each(MIGRATE_OVERLAYS)('%s runs the image migrate entry point, with the release tag of its overlay', (overlay) => {
    const job = kustomize(overlay).find((o) => o.kind === 'Job')!;
    const c = job.spec.template.spec.containers[0];
    const cmd = JSON.parse(/FROM base AS migrate[\s\S]*?CMD (\[.*\])/.exec(readText('docker/Dockerfile'))![1]);
    expect(c.command).toEqual(cmd);
    // the compiled form of npm run migrate's entry point
    const pkg = JSON.parse(readText('package.json'));
    expect(pkg.scripts.migrate).toContain(cmd[cmd.length - 1].replace(/^dist\//, '').replace(/\.js$/, '.ts'));
    const apps = kustomize(overlay.replace(/\/migrate$/, '')).filter((o) => o.kind === 'Deployment' && (APPS as readonly string[]).includes(o.metadata.name));
    const tag = (image: string) => image.split(':').pop();
    for (const d of apps) expect(tag(d.spec.template.spec.containers[0].image)).toBe(tag(c.image));
    expect(c.image.replace(/migrate:[^:]+$/, '')).toBe(apps[0].spec.template.spec.containers[0].image.replace(/[a-z-]+:[^:]+$/, ''));
  });
});

describe.each(OVERLAYS)('%s', (overlay) => {
  const objects = kustomize(overlay);
  const of = (kind: string) => objects.filter((o) => o.kind === kind);
  const deployment = (name: string) => of('Deployment').find((d) => d.metadata.name === name)!;
  const usesKeda = of('ScaledObject').length > 0;

  it.each(APPS)('%s: probes, ports, grace period, metrics on their own Service', (app) => {
    const d = deployment(app);
    const pod = d.spec.template.spec;
    const c = pod.containers[0];
    expect(c.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: 'http' });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
    expect(c.startupProbe.httpGet.path).toBe('/health/live');
    expect(c.ports).toEqual(expect.arrayContaining([{ name: 'http', containerPort: PORTS[app].http }, { name: 'metrics', containerPort: PORTS[app].metrics }]));
    expect(c.env).toEqual(expect.arrayContaining([{ name: 'PORT', value: String(PORTS[app].http) }, { name: 'METRICS_PORT', value: String(PORTS[app].metrics) }]));
    // above SHUTDOWN_GRACE_MS, so workers finish or release their jobs before the kill
    const grace = Number(of('ConfigMap')[0].data.SHUTDOWN_GRACE_MS) / 1000;
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(grace);
    const api = of('Service').find((s) => s.metadata.name === app)!;
    expect(api.spec.ports.map((p: { port: number }) => p.port)).toEqual([PORTS[app].http]);
    expect(api.spec.type ?? 'ClusterIP').toBe('ClusterIP');
    const metrics = of('Service').find((s) => s.metadata.name === `${app}-metrics`)!;
    expect(metrics.spec.ports).toEqual([{ name: 'metrics', port: PORTS[app].metrics, targetPort: 'metrics' }]);
    expect(metrics.spec.selector).toEqual(d.spec.selector.matchLabels);
  });

  it('every Deployment has exactly one autoscaler, and leaves its replica count to it', () => {
    const scalers = new Map<string, string[]>();
    const add = (target: string, by: string) => scalers.set(target, [...(scalers.get(target) ?? []), by]);
    for (const h of of('HorizontalPodAutoscaler')) add(h.spec.scaleTargetRef.name, `HPA/${h.metadata.name}`);
    // KEDA creates and owns an HPA for each ScaledObject: a plain HPA beside it would be a second one
    for (const s of of('ScaledObject')) add(s.spec.scaleTargetRef.name, `ScaledObject/${s.metadata.name}`);
    for (const app of APPS) {
      expect({ app, scalers: scalers.get(app)?.length }).toEqual({ app, scalers: 1 });
      expect(deployment(app).spec.replicas).toBeUndefined();
    }
  });

  it('every PodDisruptionBudget lets a node drain', () => {
    const minReplicas = (app: string): number => {
      const h = of('HorizontalPodAutoscaler').find((x) => x.spec.scaleTargetRef.name === app);
      const s = of('ScaledObject').find((x) => x.spec.scaleTargetRef.name === app);
      return h?.spec.minReplicas ?? s?.spec.minReplicaCount ?? deployment(app)?.spec.replicas ?? 1;
    };
    const pdbs = of('PodDisruptionBudget');
    expect(pdbs.map((p) => p.spec.selector.matchLabels['app.kubernetes.io/name']).sort()).toEqual([...APPS].sort());
    for (const p of pdbs) {
      const app = p.spec.selector.matchLabels['app.kubernetes.io/name'];
      if (p.spec.maxUnavailable !== undefined) {
        expect({ app, maxUnavailable: p.spec.maxUnavailable >= 1 }).toEqual({ app, maxUnavailable: true });
      } else {
        // minAvailable only below the replicas the autoscaler keeps (minAvailable: 1 on one replica blocks every drain)
        expect({ app, minAvailableBelowReplicas: p.spec.minAvailable < minReplicas(app) }).toEqual({ app, minAvailableBelowReplicas: true });
      }
    }
  });

  it('the Ingress exposes the gateway only; no Service is reachable from outside the cluster', () => {
    const ingresses = of('Ingress');
    expect(ingresses).toHaveLength(1);
    const backends = ingresses[0].spec.rules.flatMap((r: { http: { paths: { backend: { service: { name: string; port: { name: string } } } }[] } }) =>
      r.http.paths.map((p) => p.backend.service),
    );
    expect(backends).toEqual([{ name: 'gateway', port: { name: 'http' } }]);
    for (const s of of('Service')) expect(s.spec.type ?? 'ClusterIP').toBe('ClusterIP');
  });

  it('the ServiceMonitor scrapes every app metrics port, and nothing else', () => {
    const [sm] = of('ServiceMonitor');
    expect(sm.apiVersion).toBe('monitoring.coreos.com/v1');
    const selected = of('Service').filter((s) => Object.entries<string>(sm.spec.selector.matchLabels).every(([k, v]) => s.metadata.labels?.[k] === v));
    expect(selected.map((s) => s.metadata.name).sort()).toEqual(APPS.map((a) => `${a}-metrics`).sort());
    expect(sm.spec.endpoints).toEqual([expect.objectContaining({ port: 'metrics', path: '/metrics' })]);
  });

  describe('NetworkPolicies', () => {
    const policies = of('NetworkPolicy');
    const selecting = (app: string) =>
      policies.filter((p) => Object.keys(p.spec.podSelector).length === 0 || p.spec.podSelector.matchLabels?.['app.kubernetes.io/name'] === app);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const rulesFor = (app: string): any[] => selecting(app).flatMap((p) => (p.spec.policyTypes.includes('Ingress') ? (p.spec.ingress ?? []) : []));
    const peersFor = (app: string, port: number): 'anyone' | unknown[] => {
      const peers: unknown[] = [];
      for (const rule of rulesFor(app)) {
        if (rule.ports && !rule.ports.some((x: { port: number }) => x.port === port)) continue;
        if (!rule.from || rule.from.length === 0) return 'anyone';
        peers.push(...rule.from);
      }
      return peers;
    };
    const isGateway = (peer: unknown) => JSON.stringify(peer) === JSON.stringify({ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'gateway' } } });
    const isMonitoringPrometheus = (peer: unknown) =>
      JSON.stringify(peer) ===
      JSON.stringify({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } });

    it('deny every ingress not opened below (the whole namespace)', () => {
      const deny = policies.find((p) => Object.keys(p.spec.podSelector).length === 0)!;
      expect(deny.spec.policyTypes).toEqual(['Ingress']);
      expect(deny.spec.ingress ?? []).toEqual([]);
    });

    it.each(INTERNAL)('%s: only the gateway reaches the API port, only Prometheus (monitoring) the metrics port, nothing else opens', (app) => {
      const api = peersFor(app, PORTS[app].http);
      expect(api).not.toBe('anyone');
      expect((api as unknown[]).length).toBeGreaterThan(0);
      expect((api as unknown[]).every(isGateway)).toBe(true);
      const metrics = peersFor(app, PORTS[app].metrics);
      expect(metrics).not.toBe('anyone');
      expect((metrics as unknown[]).length).toBeGreaterThan(0);
      expect((metrics as unknown[]).every(isMonitoringPrometheus)).toBe(true);
      for (const rule of rulesFor(app)) {
        expect(rule.ports?.length).toBeGreaterThan(0);
        for (const x of rule.ports) expect([PORTS[app].http, PORTS[app].metrics]).toContain(x.port);
      }
    });

    it('gateway: the API port from anywhere, metrics for Prometheus (monitoring) only', () => {
      expect(peersFor('gateway', PORTS.gateway.http)).toBe('anyone');
      const metrics = peersFor('gateway', PORTS.gateway.metrics);
      expect(metrics).not.toBe('anyone');
      expect((metrics as unknown[]).every(isMonitoringPrometheus)).toBe(true);
    });

    it('no other pod of the overlay is open to anyone', () => {
      for (const p of policies) {
        if (p.spec.podSelector.matchLabels?.['app.kubernetes.io/name'] === 'gateway') continue;
        for (const rule of p.spec.ingress ?? []) expect({ policy: p.metadata.name, restricted: (rule.from?.length ?? 0) > 0 }).toEqual({ policy: p.metadata.name, restricted: true });
      }
    });
  });

  it(usesKeda ? 'KEDA scales every queue worker on each queue waiting depth and oldest-job age, with CPU as the fallback' : 'without KEDA, CPU HPAs scale the workers (no KEDA object left)', () => {
    const prefix = of('ConfigMap')[0].data.BULLMQ_PREFIX;
    const keys = new QueueKeys(prefix);
    const workers = APPS.filter((a) => consumedQueues(a).length > 0);
    expect(workers).toEqual(expect.arrayContaining(['order-sync', 'catalog-sync']));
    if (!usesKeda) {
      expect(objects.filter((o) => o.apiVersion.startsWith('keda.sh/'))).toEqual([]);
      for (const app of workers) expect(of('HorizontalPodAutoscaler').some((h) => h.spec.scaleTargetRef.name === app)).toBe(true);
      return;
    }
    for (const app of workers) {
      const so = of('ScaledObject').find((s) => s.spec.scaleTargetRef.name === app)!;
      expect({ app, scaledObject: so !== undefined }).toEqual({ app, scaledObject: true });
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const triggers: any[] = so.spec.triggers;
      expect(triggers.filter((t) => t.type === 'cpu')).toEqual([{ type: 'cpu', metricType: 'Utilization', metadata: { value: expect.stringMatching(/^\d+$/) } }]);
      for (const q of consumedQueues(app).filter((x) => !NOT_SCALED_ON.includes(x))) {
        const depth = triggers.filter(
          (t) =>
            (t.type === 'redis' && q !== PLATFORM_PUBLISH && t.metadata.listName === keys.toKey(q, 'wait')) ||
            (t.type === 'prometheus' && t.metadata.query === `max(omnisync_queue_depth{${selectorOf(q)},state="waiting"})`),
        );
        expect({ app, q, depth: depth.length }).toEqual({ app, q, depth: 1 });
        // prioritized jobs are not in the wait list: a list trigger would never see them
        if (PRIORITIZED.includes(q)) expect(depth[0].type).toBe('prometheus');
        const age = triggers.filter((t) => t.type === 'prometheus' && t.metadata.query === `max(omnisync_queue_oldest_waiting_seconds{${selectorOf(q)}})`);
        expect({ app, q, age: age.length }).toEqual({ app, q, age: 1 });
        // age does not add up over pods: Value, not AverageValue
        expect(age[0].metricType).toBe('Value');
      }
      for (const t of triggers.filter((x) => x.type === 'redis')) expect(t.authenticationRef.name).toBe(of('TriggerAuthentication')[0].metadata.name);
      expect(so.spec.minReplicaCount).toBeGreaterThanOrEqual(1);
      expect(so.spec.maxReplicaCount).toBeGreaterThan(so.spec.minReplicaCount);
    }
  });
});
