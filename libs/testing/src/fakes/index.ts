// Platform doubles shared by the apps' tests (gateway webhooks, order-sync harness)
export * from './fake-platform-adapter';
export * from './fake-shop-directory';
