// Issue 10 item 8, the adapter: malformed fields inside an options bag (which the surface walker,
// replacing whole arguments, does not reach) are refused with ERR_WINTUN_INVALID_ARGUMENT before
// any platform code runs, and no error message build can itself throw (a bigint, a view of a
// detached buffer).
import { describe, expect, it } from 'vitest';
import { Adapter, normalizeGuid, validateAdapterName } from '@wintun-ts/adapter';
import { createEmulatedWindowsPlatform, createMemoryPlatform } from '@wintun-ts/adapter/testing';

function detachedView(): Uint8Array {
  const buffer = new ArrayBuffer(8);
  const view = new Uint8Array(buffer, 2, 4);
  structuredClone(buffer, { transfer: [buffer] });
  return view;
}

const invalid = expect.objectContaining({ code: 'ERR_WINTUN_INVALID_ARGUMENT' });

describe('the static methods check their options before any platform code runs', () => {
  // A platform whose every call fails the test: the checks must come first.
  const untouchable = new Proxy({}, { get: () => { throw new Error('platform code ran'); } });
  for (const [name, patch] of [
    ['persistent: "yes"', { persistent: 'yes' }],
    ['dllPath: 5', { dllPath: 5 }],
    ['dllPath: ""', { dllPath: '' }],
    ['logger: {}', { logger: {} }],
  ] as const) {
    it(`Adapter.create/open/list with ${name}`, async () => {
      await expect(Adapter.create({ name: 'wtm-x', platform: untouchable, ...patch } as never)).rejects.toEqual(invalid);
      await expect(Adapter.open('wtm-x', { platform: untouchable, ...patch } as never)).rejects.toEqual(invalid);
      await expect(Adapter.list({ platform: untouchable, ...patch } as never)).rejects.toEqual(invalid);
    });
  }
  it('Adapter.open with options that are not an object', async () => {
    for (const options of [null, 5, 'x', []]) await expect(Adapter.open('wtm-x', options as never)).rejects.toEqual(invalid);
  });
});

describe('instance methods', () => {
  it('setDns refuses search domains that are not an array of names, before anything changes', async () => {
    const memory = createMemoryPlatform();
    await using adapter = await Adapter.create({ name: 'wtm-dns', platform: memory.platform });
    for (const domains of [null, 'example.com', {}, [5], [''], ['a b'], ['a,b'], detachedView()]) {
      await expect(adapter.setDns(['10.0.0.53'], domains as never)).rejects.toEqual(invalid);
    }
    expect(memory.adapters.get('wtm-dns')?.dns).toBeNull();
  });

  it('setUp takes a boolean only: a truthy string does not bring the link down', async () => {
    const memory = createMemoryPlatform();
    await using adapter = await Adapter.create({ name: 'wtm-up', platform: memory.platform });
    await adapter.setUp(true);
    for (const up of ['yes', 1, null, undefined]) await expect(adapter.setUp(up as never)).rejects.toEqual(invalid);
    expect(await adapter.isUp()).toBe(true);
  });

  it('a bad MTU or route metric is described, never serialized (a detached view or a bigint)', async () => {
    const memory = createMemoryPlatform();
    await using adapter = await Adapter.create({ name: 'wtm-mtu', platform: memory.platform });
    await expect(adapter.setMtu(detachedView() as never)).rejects.toEqual(invalid);
    await expect(adapter.addRoute({ destination: '10.1.0.0/16', metric: detachedView() as never })).rejects.toEqual(invalid);
    expect(() => validateAdapterName(10n, 'linux')).toThrow(expect.objectContaining({ code: 'ERR_WINTUN_NAME_INVALID' }));
    expect(() => normalizeGuid(10n)).toThrow(invalid);
  });
});

describe('the testing platforms check their options', () => {
  it('createMemoryPlatform and createEmulatedWindowsPlatform', async () => {
    for (const options of [null, 5, { nameRules: 'mac' }, { driver: 5 }]) expect(() => createMemoryPlatform(options as never)).toThrow(invalid);
    for (const options of [null, { mode: 'x' }, { queueBytes: 3 }, { waitMs: Number.NaN }]) {
      await expect(createEmulatedWindowsPlatform(options as never)).rejects.toEqual(invalid);
    }
  });
});
