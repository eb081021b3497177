import 'reflect-metadata';
import nock from 'nock';

// Tests send traffic to this machine only: nock intercepts everything else.
nock.disableNetConnect();
nock.enableNetConnect(/^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/);
