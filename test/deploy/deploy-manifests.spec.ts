import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

const root = join(__dirname, '../..');
const APPS = ['gateway', 'order-sync', 'catalog-sync', 'coupon'] as const;
const DEFAULT_PORTS: Record<(typeof APPS)[number], number> = { gateway: 3000, 'order-sync': 3001, 'catalog-sync': 3002, coupon: 3003 };
const METRICS_PORTS: Record<(typeof APPS)[number], number> = { gateway: 9400, 'order-sync': 9401, 'catalog-sync': 9402, coupon: 9403 };
const INTERNAL = ['order-sync', 'catalog-sync', 'coupon'] as const;

function loadYaml(file: string): any[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  for (const d of docs) if (d.errors.length) throw new Error(`${file}: ${d.errors[0].message}`);
  return docs.map((d) => d.toJS());
}

describe('k8s manifests', () => {
  const dir = join(root, 'k8s');
  const all = readdirSync(dir).filter((f) => f.endsWith('.yaml')).flatMap((f) => loadYaml(join(dir, f)).map((doc) => ({ f, doc })));

  it('parse as YAML with apiVersion, kind and metadata.name on every document', () => {
    expect(all.length).toBeGreaterThan(10);
    for (const { f, doc } of all) {
      expect({ f, apiVersion: typeof doc.apiVersion, kind: typeof doc.kind }).toEqual({ f, apiVersion: 'string', kind: 'string' });
      if (doc.kind !== 'Kustomization') expect(doc.metadata?.name).toEqual(expect.any(String));
    }
  });

  it('kustomization lists only files that exist', () => {
    const k = loadYaml(join(dir, 'kustomization.yaml'))[0];
    const files = readdirSync(dir);
    for (const r of k.resources) expect(files).toContain(r);
  });

  it.each(APPS)('%s has a Deployment with probes, a Service on its port and a grace period', (app) => {
    const docs = loadYaml(join(dir, `${app}.yaml`));
    const dep = docs.find((d) => d.kind === 'Deployment');
    const svc = docs.find((d) => d.kind === 'Service');
    const c = dep.spec.template.spec.containers[0];
    expect(dep.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': app });
    expect(dep.spec.template.metadata.labels['app.kubernetes.io/name']).toBe(app);
    expect(c.readinessProbe.httpGet.path).toBe('/health/ready');
    expect(c.livenessProbe.httpGet.path).toBe('/health/live');
    expect(c.ports[0].containerPort).toBe(DEFAULT_PORTS[app]);
    expect(c.env.find((e: any) => e.name === 'PORT').value).toBe(String(DEFAULT_PORTS[app]));
    expect(svc.spec.ports[0].port).toBe(DEFAULT_PORTS[app]);
    expect(dep.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(30);
    expect(c.resources.limits.memory).toBeDefined();
    // /metrics on its own port, which Prometheus is pointed at; never the API port
    expect(c.ports.find((p: any) => p.name === 'metrics').containerPort).toBe(METRICS_PORTS[app]);
    expect(c.env.find((e: any) => e.name === 'METRICS_PORT').value).toBe(String(METRICS_PORTS[app]));
    expect(dep.spec.template.metadata.annotations['prometheus.io/port']).toBe(String(METRICS_PORTS[app]));
    expect(svc.spec.ports.map((p: any) => p.port)).not.toContain(METRICS_PORTS[app]);
  });

  describe('NetworkPolicies', () => {
    const policies = all.filter(({ doc }) => doc.kind === 'NetworkPolicy').map(({ doc }) => doc);
    const selecting = (app: string) => policies.filter((p) => p.spec.podSelector?.matchLabels?.['app.kubernetes.io/name'] === app);
    /** who a policy lets reach `port`: 'anyone', or the list of `from` peers of every rule that opens it */
    const peersFor = (app: string, port: number): 'anyone' | any[] => {
      const peers: any[] = [];
      for (const p of selecting(app)) {
        expect(p.spec.policyTypes).toContain('Ingress');
        for (const rule of p.spec.ingress ?? []) {
          const opens = !rule.ports || rule.ports.some((x: any) => x.port === port);
          if (!opens) continue;
          if (!rule.from || rule.from.length === 0) return 'anyone';
          peers.push(...rule.from);
        }
      }
      return peers;
    };
    const isGateway = (peer: any) =>
      peer.namespaceSelector === undefined && peer.ipBlock === undefined && JSON.stringify(peer.podSelector) === JSON.stringify({ matchLabels: { 'app.kubernetes.io/name': 'gateway' } });
    const isPrometheus = (peer: any) => peer.ipBlock === undefined && peer.podSelector?.matchLabels?.['app.kubernetes.io/name'] === 'prometheus';

    it('are in the kustomization', () => {
      const k = loadYaml(join(dir, 'kustomization.yaml'))[0];
      const files = new Set(all.filter(({ doc }) => doc.kind === 'NetworkPolicy').map(({ f }) => f));
      expect(files.size).toBeGreaterThan(0);
      for (const f of files) expect(k.resources).toContain(f);
    });

    it.each(INTERNAL)('%s: only the gateway reaches the API port, only Prometheus the metrics port', (app) => {
      expect(selecting(app).length).toBeGreaterThan(0);
      const api = peersFor(app, DEFAULT_PORTS[app]);
      expect(api).not.toBe('anyone');
      expect((api as any[]).length).toBeGreaterThan(0);
      expect((api as any[]).every(isGateway)).toBe(true);
      const metrics = peersFor(app, METRICS_PORTS[app]);
      expect(metrics).not.toBe('anyone');
      expect((metrics as any[]).length).toBeGreaterThan(0);
      expect((metrics as any[]).every(isPrometheus)).toBe(true);
      // nothing else is opened (any other port would be reachable by whoever a rule names)
      for (const p of selecting(app)) for (const rule of p.spec.ingress ?? []) {
        expect(rule.ports?.length).toBeGreaterThan(0);
        for (const x of rule.ports) expect([DEFAULT_PORTS[app], METRICS_PORTS[app]]).toContain(x.port);
      }
    });

    it('gateway: public API port, metrics for Prometheus only', () => {
      expect(peersFor('gateway', DEFAULT_PORTS.gateway)).toBe('anyone');
      const metrics = peersFor('gateway', METRICS_PORTS.gateway);
      expect(metrics).not.toBe('anyone');
      expect((metrics as any[]).every(isPrometheus)).toBe(true);
    });
  });

  it('the apps bind every interface in the cluster and get the internal service secret', () => {
    const docs = loadYaml(join(dir, 'config.yaml'));
    expect(docs.find((d) => d.kind === 'ConfigMap').data.BIND_HOST).toBe('0.0.0.0');
    expect(docs.find((d) => d.kind === 'Secret').stringData.INTERNAL_SERVICE_SECRET).toEqual(expect.any(String));
  });

  it('the migrate Job runs the same migration entry point as npm run migrate', () => {
    const job = loadYaml(join(dir, 'migrate-job.yaml'))[0];
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    expect(job.kind).toBe('Job');
    expect(pkg.scripts.migrate).toContain(job.spec.template.spec.containers[0].command.slice(-1)[0]);
  });
});

describe('docker', () => {
  const dockerfile = readFileSync(join(root, 'docker/Dockerfile'), 'utf8');
  const stages = [...dockerfile.matchAll(/^FROM\s+\S+\s+AS\s+(\S+)/gim)].map((m) => m[1]);

  it('has one build target per app plus migrate', () => {
    for (const app of [...APPS, 'migrate']) expect(stages).toContain(app);
  });

  it.each(APPS)('the %s target starts an entry point that exists', (app) => {
    const section = dockerfile.split(/^FROM /m).find((s) => new RegExp(`AS ${app}\\s*$`, 'm').test(s.split('\n')[0]))!;
    const cmd = JSON.parse(/CMD (\[.*\])/.exec(section)![1]) as string[];
    expect(() => readFileSync(join(root, cmd[cmd.length - 1]))).not.toThrow();
  });

  it('compose builds every app target from this Dockerfile and keeps Redis on noeviction', () => {
    const compose = loadYaml(join(root, 'docker/compose.yaml'))[0];
    for (const app of APPS) {
      expect(compose.services[app].build.target).toBe(app);
      expect(compose.services[app].build.dockerfile).toBe('docker/Dockerfile');
    }
    expect(compose.services.redis.command.join(' ')).toContain('noeviction');
    expect(compose.services.migrate.build.target).toBe('migrate');
  });

  it('compose publishes only the gateway API port; every app gets its METRICS_PORT', () => {
    const compose = loadYaml(join(root, 'docker/compose.yaml'))[0];
    expect(compose.services.gateway.ports).toEqual([`${DEFAULT_PORTS.gateway}:${DEFAULT_PORTS.gateway}`]);
    for (const app of APPS) {
      if (app !== 'gateway') expect(compose.services[app].ports).toBeUndefined();
      expect(compose.services[app].environment.METRICS_PORT).toBe(String(METRICS_PORTS[app]));
    }
  });
});
