import { CORE_MIGRATIONS } from '@app/persistence';
import { describeAppShell } from '@app/testing/app-shell';
import { bootstrapApp } from '../../src/main';

describeAppShell('order-sync', bootstrapApp, { migrations: CORE_MIGRATIONS, env: { ERP_SECRET: 'app-shell-test-erp-secret' } });
