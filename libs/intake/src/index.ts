export * from './group-commit';
export * from './inbox-writer';
export * from './intake.module';
export * from './platform-adapter-lookup.port';
export * from './push-entries';
