import { runKuaishouContract } from '../../platforms/test/contract/kuaishou.contract';
import { simulatorBackendFactory } from './simulator-backend';

// The adapter contract (libs/platforms/test/contract) against the real kuaishou simulator over HTTP.
runKuaishouContract('simulator', simulatorBackendFactory('kuaishou'));
