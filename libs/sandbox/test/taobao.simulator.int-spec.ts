import { runTaobaoContract } from '../../platforms/test/contract/taobao.contract';
import { simulatorBackendFactory } from './simulator-backend';

// The adapter contract (libs/platforms/test/contract) against the real taobao simulator over HTTP.
runTaobaoContract('simulator', simulatorBackendFactory('taobao'));
