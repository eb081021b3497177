import { type ArgumentMetadata, BadRequestException, ValidationPipe } from '@nestjs/common';
import { FORBIDDEN_JSON_KEYS } from './json-body';

/** Path of the first `__proto__` / `constructor` / `prototype` own key in a plain value, or undefined. */
export function findForbiddenKey(value: unknown, path = '', depth = 0): string | undefined {
  if (value === null || typeof value !== 'object' || depth > 100) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = findForbiddenKey(value[i], `${path}${path ? '.' : ''}${i}`, depth + 1);
      if (hit !== undefined) return hit;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    const at = `${path}${path ? '.' : ''}${key}`;
    if (FORBIDDEN_JSON_KEYS.has(key)) return at;
    const hit = findForbiddenKey((value as Record<string, unknown>)[key], at, depth + 1);
    if (hit !== undefined) return hit;
  }
  return undefined;
}

/**
 * The app-wide ValidationPipe (whitelist + forbidNonWhitelisted + transform) plus one rule class-validator
 * lacks: whitelisting does not see `__proto__`, `constructor` or `prototype` (they resolve on every object,
 * so a body carrying them was accepted), and routes without a DTO are not validated at all. Any such own key
 * in a body or query, at any depth, is answered 400 in the ValidationPipe's shape, naming its path. (The
 * JSON parser already refuses them in JSON bodies; this covers urlencoded bodies, query strings and
 * apps assembled without that parser.)
 */
export class StrictValidationPipe extends ValidationPipe {
  constructor() {
    super({ whitelist: true, forbidNonWhitelisted: true, transform: true });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query') {
      const key = findForbiddenKey(value);
      if (key !== undefined) throw new BadRequestException([`property ${key} should not exist`]);
    }
    return super.transform(value, metadata);
  }
}
