export * from './transforms';
export * from './validate-env';
export * from './base.env';
export * from './bootstrap';
export * from './typed-config.module';
