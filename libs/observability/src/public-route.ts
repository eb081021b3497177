import { SetMetadata } from '@nestjs/common';

/**
 * Metadata key marking a route as needing no API key. Libraries (health, metrics) cannot import the
 * gateway's auth module, so the gateway's guard must honour this key: its own `Public()` should be
 * `SetMetadata(IS_PUBLIC_KEY, true)` (same key), or check both.
 */
export const IS_PUBLIC_KEY = 'isPublic';
export const PublicRoute = () => SetMetadata(IS_PUBLIC_KEY, true);
