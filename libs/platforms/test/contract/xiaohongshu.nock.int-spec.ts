import { runXiaohongshuContract } from './xiaohongshu.contract';
import { XiaohongshuNockBackend } from './nock-backends/xiaohongshu.nock-backend';

runXiaohongshuContract('nock', () => XiaohongshuNockBackend.create());
