import { CORE_MIGRATIONS } from '@app/persistence';
import { describeAppShell } from '@app/testing/app-shell';
import { bootstrapApp } from '../../src/main';

describeAppShell('coupon', bootstrapApp, { migrations: CORE_MIGRATIONS });
