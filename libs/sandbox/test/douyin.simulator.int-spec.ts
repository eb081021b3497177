import { runDouyinContract } from '../../platforms/test/contract/douyin.contract';
import { simulatorBackendFactory } from './simulator-backend';

// The adapter contract (libs/platforms/test/contract) against the real douyin simulator over HTTP.
runDouyinContract('simulator', simulatorBackendFactory('douyin'));
