import { Transform } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';

/**
 * Explicit env-string transforms. Implicit conversion turns "false" into true and "" into 0,
 * so every number/boolean field of an env class carries one of these.
 * A value that cannot be converted is passed through unchanged so the validator reports it.
 */
export function ToInt(): PropertyDecorator {
  return Transform(({ value }) => {
    if (typeof value === 'number') return value;
    if (typeof value !== 'string' || !/^-?\d+$/.test(value.trim())) return value;
    return Number.parseInt(value.trim(), 10);
  });
}

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

export function ToBoolean(): PropertyDecorator {
  return Transform(({ value }) => {
    if (typeof value === 'boolean') return value;
    if (typeof value !== 'string') return value;
    const v = value.trim().toLowerCase();
    if (TRUE.has(v)) return true;
    if (FALSE.has(v)) return false;
    return value;
  });
}

/** An integer env variable with a lower bound: explicit transform + IsInt + Min, one decorator. */
export function IntEnv(min: number, max?: number): PropertyDecorator {
  const decorators: PropertyDecorator[] = [IsInt({ message: 'must be an integer' }), Min(min, { message: `must be at least ${min}` }), ToInt()];
  if (max !== undefined) decorators.push(Max(max, { message: `must be at most ${max}` }));
  return (target, key) => decorators.forEach((d) => d(target, key));
}
