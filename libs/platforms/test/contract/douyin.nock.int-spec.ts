import { runDouyinContract } from './douyin.contract';
import { DouyinNockBackend } from './nock-backends/douyin.nock-backend';

runDouyinContract('nock', () => DouyinNockBackend.create());
