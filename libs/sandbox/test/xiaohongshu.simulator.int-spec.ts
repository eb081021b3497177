import { runXiaohongshuContract } from '../../platforms/test/contract/xiaohongshu.contract';
import { simulatorBackendFactory } from './simulator-backend';

// The adapter contract (libs/platforms/test/contract) against the real xiaohongshu simulator over HTTP.
runXiaohongshuContract('simulator', simulatorBackendFactory('xiaohongshu'));
