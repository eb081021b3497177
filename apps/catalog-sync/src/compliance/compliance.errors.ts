import { type ArgumentsHost, Catch, type ExceptionFilter, UnprocessableEntityException } from '@nestjs/common';
import type { WordViolation } from '@app/compliance';
import type { LimitViolation } from './platform-rules';

export interface ComplianceResult {
  /** banned words: field, word, category, start/end (code point offsets, end exclusive) */
  violations: WordViolation[];
  /** platform limits (title length, required attributes, price bounds) */
  limitViolations: LimitViolation[];
}

export function isClean(r: ComplianceResult): boolean {
  return r.violations.length === 0 && r.limitViolations.length === 0;
}

/** 422: the product may not be pushed anywhere. Nothing was sent to any platform. */
export class ComplianceFailedException extends UnprocessableEntityException {
  constructor(readonly result: ComplianceResult, readonly productId?: string) {
    super({
      statusCode: 422,
      error: 'Unprocessable Entity',
      message: `compliance check failed: ${result.violations.length} banned word(s), ${result.limitViolations.length} platform limit(s); nothing was sent`,
      ...(productId ? { productId } : {}),
      violations: result.violations,
      limitViolations: result.limitViolations,
    });
  }
}

/**
 * Keeps the violation lists in the 422 body (the app's global JSON filter reduces errors to
 * {statusCode, error, message}). Bound on the catalog controllers with @UseFilters.
 */
@Catch(ComplianceFailedException)
export class ComplianceExceptionFilter implements ExceptionFilter {
  catch(exception: ComplianceFailedException, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<{ status(c: number): { json(b: unknown): void } }>();
    res.status(422).json(exception.getResponse());
  }
}
