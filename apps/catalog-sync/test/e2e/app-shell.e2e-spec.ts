import { describeAppShell, TEST_INTERNAL_SERVICE_SECRET } from '@app/testing/app-shell';
import { describeInternalCallChecks } from '@app/testing/internal-calls';
import { ALL_MIGRATIONS } from '../../../../scripts/migrations';
import { bootstrapApp } from '../../src/main';

describeAppShell('catalog-sync', bootstrapApp, { migrations: ALL_MIGRATIONS }, ({ base }) => {
  describeInternalCallChecks({ base, secret: TEST_INTERNAL_SERVICE_SECRET, path: '/products', roles: ['merchandiser'] });
});
