export * from './auth.module';
export * from './api-keys.service';
export * from './api-key-auth.guard';
export * from './api-key-format';
export * from './decorators';
export * from './principal';
export * from './uuid-param';
