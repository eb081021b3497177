export * from './platform-http.options';
export * from './platform-http';
export * from './platform-caller';
export * from './transport-errors';
export * from './lossless';
export * from './unsupported';
export * from './specs';
export * from './unmapped';
