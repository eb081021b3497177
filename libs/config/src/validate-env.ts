import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';

/** Thrown when the environment does not satisfy an app's env class. Lists every bad variable. */
export class ConfigValidationError extends Error {
  override readonly name = 'ConfigValidationError';
  constructor(
    readonly app: string,
    readonly problems: { variable: string; problems: string[] }[],
  ) {
    super(
      `${app}: invalid configuration — ` +
        problems.map((p) => `${p.variable}: ${p.problems.join('; ')}`).join(' | '),
    );
  }
}

export interface ValidateEnvOptions {
  /** name used in the error message (default: the class name) */
  app?: string;
}

/**
 * Returns a `validate` function for `ConfigModule.forRoot({ validate })` (also usable on its own):
 * raw env -> typed, validated instance of `EnvClass`. Empty strings count as "not set" so defaults
 * apply. Values of variables are never echoed in the error (they may be secrets).
 */
export function validateEnv<T extends object>(EnvClass: ClassConstructor<T>, opts: ValidateEnvOptions = {}) {
  return (raw: Record<string, unknown>): T => {
    const cleaned: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(raw)) if (v !== '' && v !== undefined) cleaned[k] = v;
    const instance = plainToInstance(EnvClass, cleaned, { exposeDefaultValues: true, enableImplicitConversion: false });
    const errors = validateSync(instance, { skipMissingProperties: false, forbidUnknownValues: true });
    if (errors.length > 0) {
      throw new ConfigValidationError(opts.app ?? EnvClass.name, flatten(errors));
    }
    // keep only the declared variables: the result is what the app reads, not the whole process env
    return instance;
  };
}

/** Validate `source` (default process.env) against `EnvClass`, throwing ConfigValidationError. */
export function loadEnv<T extends object>(
  EnvClass: ClassConstructor<T>,
  source: Record<string, string | undefined> = process.env,
  opts: ValidateEnvOptions = {},
): T {
  return validateEnv(EnvClass, opts)(source);
}

function flatten(errors: ValidationError[], parent = ''): { variable: string; problems: string[] }[] {
  const out: { variable: string; problems: string[] }[] = [];
  for (const e of errors) {
    const variable = parent ? `${parent}.${e.property}` : e.property;
    if (e.constraints) out.push({ variable, problems: [...new Set(Object.values(e.constraints))] });
    if (e.children?.length) out.push(...flatten(e.children, variable));
  }
  return out.sort((a, b) => a.variable.localeCompare(b.variable));
}
