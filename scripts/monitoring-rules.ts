/**
 * Writes k8s/base/prometheus-rules.yaml (a prometheus-operator PrometheusRule) from deploy/monitoring/rules.yml,
 * the one source of the alerting rules: `npm run monitoring:k8s`. test/monitoring/monitoring-as-code.spec.ts
 * fails when the two differ.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

export const RULES_SOURCE = join(__dirname, '..', 'deploy', 'monitoring', 'rules.yml');
export const PROMETHEUS_RULE = join(__dirname, '..', 'k8s', 'base', 'prometheus-rules.yaml');

/** the PrometheusRule text for the rules file's groups */
export function prometheusRuleYaml(rulesText: string): string {
  const groups = (parse(rulesText) as { groups: unknown[] }).groups;
  const header = [
    '# GENERATED from deploy/monitoring/rules.yml by `npm run monitoring:k8s` — edit that file, then regenerate.',
    '# prometheus-operator loads it like the ServiceMonitor (kube-prometheus-stack selects PrometheusRules by its',
    '# release label by default: set ruleSelector accordingly, or add that label in an overlay).',
  ].join('\n');
  const rule = { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'omnisync' }, spec: { groups } };
  return `${header}\n${stringify(rule, { lineWidth: 0 })}`;
}

// run as the script (node scripts/run-ts.js scripts/monitoring-rules.ts), not when a spec imports it
if (process.argv.slice(1).some((a) => a.endsWith('monitoring-rules.ts'))) {
  writeFileSync(PROMETHEUS_RULE, prometheusRuleYaml(readFileSync(RULES_SOURCE, 'utf8')));
  console.log(`wrote ${PROMETHEUS_RULE}`);
}
