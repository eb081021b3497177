import { assertCanChange, assertCanStop, IllegalTransitionError, startTo, statusAt } from './campaign-lifecycle';

const now = new Date('2026-12-10T12:00:00Z');
const window = (startH: number, endH: number) => ({ claimStartsAt: new Date(now.getTime() + startH * 3_600_000).toISOString(), claimEndsAt: new Date(now.getTime() + endH * 3_600_000).toISOString() });

describe('campaign lifecycle', () => {
  it('starts a draft as scheduled before its window and active inside it', () => {
    expect(startTo({ status: 'draft', ...window(1, 5) }, now)).toBe('scheduled');
    expect(startTo({ status: 'draft', ...window(-1, 5) }, now)).toBe('active');
  });

  it('moves along the claim window: scheduled -> active -> ended', () => {
    expect(statusAt({ status: 'scheduled', ...window(-1, 5) }, now)).toBe('active');
    expect(statusAt({ status: 'active', ...window(-5, -1) }, now)).toBe('ended');
    expect(statusAt({ status: 'stopped', ...window(-5, 5) }, now)).toBe('stopped');
    expect(statusAt({ status: 'draft', ...window(-5, -1) }, now)).toBe('draft');
  });

  it.each([
    ['start', 'active', () => startTo({ status: 'active', ...window(-1, 5) }, now), 'cannot start a campaign that is active: it is started already'],
    ['start', 'draft past its window', () => startTo({ status: 'draft', ...window(-5, -1) }, now), /^cannot start a campaign that is draft: its claim window ended at /],
    ['stop', 'draft', () => assertCanStop({ status: 'draft', ...window(1, 5) }, now), 'cannot stop a campaign that is draft: it never started (nothing to stop)'],
    ['stop', 'stopped', () => assertCanStop({ status: 'stopped', ...window(1, 5) }, now), 'cannot stop a campaign that is stopped: it is over'],
    ['stop', 'ended', () => assertCanStop({ status: 'active', ...window(-5, -1) }, now), 'cannot stop a campaign that is ended: it is over'],
    ['change', 'exhausted', () => assertCanChange({ status: 'exhausted', ...window(-1, 5) }, now), 'cannot change a campaign that is exhausted: it is over'],
  ])('refuses to %s a campaign that is %s, naming the state (409)', (_a, _s, fn, message) => {
    expect(fn).toThrow(IllegalTransitionError);
    expect(fn).toThrow(message);
  });
});
