import { describe, expect, it } from 'vitest';
import { makeFailureInjector, readSimulateRule } from './failure-injection.js';

const event = (simulate: unknown, retryCount = 0, replayed = false) => ({
  payload: { type: 'a', timestamp: 't', data: simulate === undefined ? {} : { simulate } },
  retryCount,
  replayed,
});

describe('readSimulateRule', () => {
  it.each([
    [undefined, { kind: 'none' }],
    [{ fail: 2 }, { kind: 'fail', times: 2 }],
    [{ fail: 0 }, { kind: 'fail', times: 0 }],
    [{ fail: 'always' }, { kind: 'always' }],
    [{ fail: -1 }, { kind: 'none' }],
    [{ fail: 1.5 }, { kind: 'none' }],
    [{ fail: 'sometimes' }, { kind: 'none' }],
    ['fail', { kind: 'none' }],
    [[{ fail: 1 }], { kind: 'none' }],
  ])('reads %j as %j', (simulate, rule) => {
    expect(readSimulateRule(event(simulate).payload)).toEqual(rule);
  });
});

describe('makeFailureInjector', () => {
  it('ignores data.simulate and the fail rate when injection is off', () => {
    const inject = makeFailureInjector({ enabled: false, failRate: 1, random: () => 0 });
    expect(inject(event({ fail: 'always' }))).toBeNull();
    expect(inject(event({ fail: 5 }))).toBeNull();
  });

  it('fails {fail: N} while retry_count < N, then lets it through', () => {
    const inject = makeFailureInjector({ enabled: true, failRate: 0 });
    expect(inject(event({ fail: 2 }, 0))).toMatchObject({ errorClass: 'InjectedFailure', poison: false });
    expect(inject(event({ fail: 2 }, 1))).toMatchObject({ errorClass: 'InjectedFailure', poison: false });
    expect(inject(event({ fail: 2 }, 2))).toBeNull();
    expect(inject(event({ fail: 0 }, 0))).toBeNull();
  });

  it('fails {fail: "always"} on every attempt', () => {
    const inject = makeFailureInjector({ enabled: true, failRate: 0 });
    for (const n of [0, 1, 3, 10]) expect(inject(event({ fail: 'always' }, n))).not.toBeNull();
  });

  it('fails the configured share at random', () => {
    const draws = [0.1, 0.5, 0.29, 0.3, 0.99];
    const inject = makeFailureInjector({ enabled: true, failRate: 0.3, random: () => draws.shift()! });
    const results = [0, 1, 2, 3, 4].map(() => inject(event(undefined)) !== null);
    expect(results).toEqual([true, false, true, false, false]);
  });

  it('never fails a replayed dead letter on purpose', () => {
    const inject = makeFailureInjector({ enabled: true, failRate: 1, random: () => 0 });
    expect(inject(event({ fail: 'always' }, 0, true))).toBeNull();
    expect(inject(event({ fail: 2 }, 0, true))).toBeNull();
    expect(inject(event(undefined, 0, true))).toBeNull();
    expect(inject(event({ fail: 'always' }, 0, false))).not.toBeNull();
  });

  it('never fails at random with a zero rate', () => {
    const inject = makeFailureInjector({ enabled: true, failRate: 0, random: () => 0 });
    expect(inject(event(undefined))).toBeNull();
  });
});
