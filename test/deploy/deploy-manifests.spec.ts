import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

const root = join(__dirname, '../..');
const APPS = ['gateway', 'order-sync', 'catalog-sync', 'coupon'] as const;
const DEFAULT_PORTS: Record<(typeof APPS)[number], number> = { gateway: 3000, 'order-sync': 3001, 'catalog-sync': 3002, coupon: 3003 };

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
});
