export * from './service-signature';
export * from './nonce-store';
export * from './service-signature.guard';
export * from './service-auth.module';
export * from './merchant-context.guard';
