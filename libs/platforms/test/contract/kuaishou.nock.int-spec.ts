import { runKuaishouContract } from './kuaishou.contract';
import { KuaishouNockBackend } from './nock-backends/kuaishou.nock-backend';

runKuaishouContract('nock', () => KuaishouNockBackend.create());
