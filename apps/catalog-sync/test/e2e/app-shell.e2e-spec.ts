import { describeAppShell } from '@app/testing/app-shell';
import { ALL_MIGRATIONS } from '../../../../scripts/migrations';
import { bootstrapApp } from '../../src/main';

describeAppShell('catalog-sync', bootstrapApp, { migrations: ALL_MIGRATIONS });
