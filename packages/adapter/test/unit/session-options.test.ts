// startSession's option check passes the spin gate's break-even through to the session (issue 12)
// and refuses a bad one before anything starts.
import { describe, expect, it } from 'vitest';
import { parseStartSessionOptions } from '../../src/session-options.js';

describe('startSession spin options', () => {
  it('keeps spin.breakEvenUs for the session', () => {
    const parsed = parseStartSessionOptions({ spin: { spinUs: 80, breakEvenUs: 15 } });
    expect(parsed.session.spin).toMatchObject({ spinUs: 80, breakEvenUs: 15 });
  });

  it('refuses a break-even that is not a number > 0', () => {
    for (const bad of [0, -1, Number.NaN, '20']) {
      expect(() => parseStartSessionOptions({ spin: { breakEvenUs: bad } })).toThrow(expect.objectContaining({ code: 'ERR_WINTUN_INVALID_ARGUMENT' }));
    }
  });
});

describe('startSession io option (Linux driver placement)', () => {
  it("defaults to 'inline' and passes 'workers' through", () => {
    expect(parseStartSessionOptions(undefined).io).toBe('inline');
    expect(parseStartSessionOptions({}).io).toBe('inline');
    expect(parseStartSessionOptions({ io: 'workers' }).io).toBe('workers');
    expect(parseStartSessionOptions({ io: 'inline' }).io).toBe('inline');
  });

  it('refuses anything else with ERR_WINTUN_INVALID_ARGUMENT naming the choices', () => {
    for (const bad of ['threads', '', null, 1, true, {}]) {
      expect(() => parseStartSessionOptions({ io: bad })).toThrow(expect.objectContaining({ code: 'ERR_WINTUN_INVALID_ARGUMENT', message: expect.stringContaining("'inline' or 'workers'") }));
    }
  });
});
