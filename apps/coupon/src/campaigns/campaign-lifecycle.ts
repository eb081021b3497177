import { ConflictException } from '@nestjs/common';
import type { CampaignStatus } from '@app/contracts';

/**
 * draft -> scheduled -> active -> stopped / exhausted / ended (issue 11 item 3).
 *   start: draft -> scheduled (claim window not open yet) or active (open now); a draft whose window is over cannot start
 *   stop:  scheduled / active -> stopped
 *   time:  scheduled becomes active at claimStartsAt, scheduled / active become ended at claimEndsAt (statusAt)
 *   exhausted: quantity or budget spent (the budget guard, a later slice)
 * stopped, exhausted and ended are final. Anything else is a 409 naming the state.
 */
export const FINAL_STATUSES: readonly CampaignStatus[] = ['stopped', 'exhausted', 'ended'];

export interface Timed {
  status: CampaignStatus;
  claimStartsAt: string;
  claimEndsAt: string;
}

/** the status as of `now`: the stored one moved along by the claim window */
export function statusAt(c: Timed, now: Date): CampaignStatus {
  const t = now.getTime();
  if ((c.status === 'scheduled' || c.status === 'active') && t >= Date.parse(c.claimEndsAt)) return 'ended';
  if (c.status === 'scheduled' && t >= Date.parse(c.claimStartsAt)) return 'active';
  return c.status;
}

export class IllegalTransitionError extends ConflictException {
  constructor(readonly action: string, readonly campaignStatus: CampaignStatus, detail?: string) {
    super({ statusCode: 409, error: 'Conflict', message: `cannot ${action} a campaign that is ${campaignStatus}${detail ? `: ${detail}` : ''}` });
  }
}

/** the status a start moves to, or IllegalTransitionError */
export function startTo(c: Timed, now: Date): 'scheduled' | 'active' {
  const s = statusAt(c, now);
  if (s !== 'draft') throw new IllegalTransitionError('start', s, s === 'scheduled' || s === 'active' ? 'it is started already' : 'it is over');
  if (now.getTime() >= Date.parse(c.claimEndsAt)) throw new IllegalTransitionError('start', s, `its claim window ended at ${c.claimEndsAt}`);
  return now.getTime() >= Date.parse(c.claimStartsAt) ? 'active' : 'scheduled';
}

/** a stop is legal from scheduled and active only */
export function assertCanStop(c: Timed, now: Date): void {
  const s = statusAt(c, now);
  if (s !== 'scheduled' && s !== 'active') throw new IllegalTransitionError('stop', s, s === 'draft' ? 'it never started (nothing to stop)' : 'it is over');
}

/** stock and budget change while the campaign is not over */
export function assertCanChange(c: Timed, now: Date): void {
  const s = statusAt(c, now);
  if (FINAL_STATUSES.includes(s)) throw new IllegalTransitionError('change', s, 'it is over');
}
