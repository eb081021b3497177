import { runTaobaoContract } from './taobao.contract';
import { TaobaoNockBackend } from './nock-backends/taobao.nock-backend';

runTaobaoContract('nock', () => TaobaoNockBackend.create());
