/// <reference path="../../../test-support/surface-walker.d.mts" />
// Issue 10 item 8: every export of @wintun-ts/adapter (root, /testing, /packet, /driver), the
// static methods of Adapter (create, open, list, driverVersion, deleteDriver), every method of an
// Adapter (made through the in-memory platform) and of the Session its startSession returns,
// called with bad values in every argument position, returns normally or throws/rejects with a
// WintunError (never a TypeError, never a hang), and the object still works afterwards. New
// exports and static methods are walked by default; a new class needs a factory below.
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { Adapter, type Session } from '@wintun-ts/adapter';
import { createMemoryPlatform, type MemoryPlatform, type TestDriver } from '@wintun-ts/adapter/testing';

const walkerUrl = new URL('../../../test-support/surface-walker.mjs', import.meta.url).href;

// One in-memory platform for the whole walk: nothing touches the machine's network.
const memory: MemoryPlatform = createMemoryPlatform({ nameRules: 'linux' });
const platform = memory.platform;
let serial = 0;

function ip4(tag: number): Uint8Array {
  const b = new Uint8Array(28);
  b[0] = 0x45;
  b[1] = tag;
  return b;
}

async function newAdapter(): Promise<Adapter> {
  return Adapter.create({ name: `wtm${++serial}`, platform });
}

/** The adapter still works: its configuration calls answer and a session starts and stops. */
async function adapterWorks(adapter: Adapter): Promise<void> {
  await adapter.setMtu(1400);
  if ((await adapter.getMtu()) !== 1400) throw new Error('setMtu did not take');
  await adapter.addAddress('10.99.0.1/24');
  await adapter.removeAddress('10.99.0.1/24');
  const session = await adapter.startSession({ capacity: 0x20000 });
  await session.close();
}

/** The session's driver (the in-memory one the platform started for it). */
const sessionDrivers = new WeakMap<Session, { adapter: Adapter; driver: TestDriver }>();

async function newSession(): Promise<Session> {
  const adapter = await newAdapter();
  const session = await adapter.startSession({ capacity: 0x20000 });
  const driver = memory.adapters.get(adapter.name)?.driver;
  if (!driver) throw new Error('the memory platform has no driver for the session');
  sessionDrivers.set(session, { adapter, driver });
  return session;
}

/** The session still works: a packet in through the Send ring, one out through the Receive ring. */
async function sessionWorks(session: Session): Promise<void> {
  const { driver } = sessionDrivers.get(session)!;
  driver.takeSent();
  if (!driver.inject(ip4(9))) throw new Error('inject failed');
  for (;;) {
    const lease = await session.receive({ timeout: 2000 });
    const tag = lease.data[1];
    lease.release();
    if (tag === 9) break;
  }
  const got = new Promise<Uint8Array>((resolve, reject) => {
    const off = driver.onSend((p) => {
      off();
      resolve(p);
    });
    setTimeout(() => reject(new Error('no sent packet within 2000 ms')), 2000).unref();
  });
  if (!session.send(ip4(7))) throw new Error('send returned false');
  if ((await got)[1] !== 7) throw new Error('the driver got another packet');
}

it('every adapter export, Adapter static and instance method, and its Session refuse bad values with a WintunError', async () => {
  const { walkSurface } = (await import(walkerUrl)) as SurfaceWalker.Module;
  const report = await walkSurface({
    packageDir: fileURLToPath(new URL('..', import.meta.url)),
    importer: (specifier) => import(specifier),
    timeoutMs: 5000,
    goodArgs: {
      // The statics with a valid options bag on the in-memory platform, so later positions are walked.
      'Adapter.open': () => ['wtm-open', { platform }],
      'Adapter.list': () => [{ platform }],
      'Adapter.driverVersion': () => [{ platform }],
      'Adapter.deleteDriver': () => [{ platform }],
      'Adapter.setDns': () => [['10.0.0.53'], []],
      'Session.sendWith': () => [20, () => undefined, false],
      'Session.drain': () => [() => undefined, 4],
      'Session.receiveInto': () => [() => undefined, { timeout: 10 }],
      'Session.receive': () => [{ timeout: 10 }],
      'Session.waitForSpace': () => [20, { timeout: 10 }],
      'Session.batches': () => [{ max: 4 }],
      internetChecksum: () => [new Uint8Array(20), 0, 20, 0],
      echoReplyInPlace: () => [new Uint8Array(40), 0, 40, { addresses: null, udpPorts: null }],
      classifyEcho: () => [new Uint8Array(40), 0, 40, { addresses: null, udpPorts: null }],
    },
    skip: {
      'new Adapter': 'private: made by Adapter.create/open (a call from JavaScript is refused; see the unit test below)',
    },
    staticOnly: {
      // Re-exported from the layers below: walked (with instance factories) by their own surface tests.
      WintunError: 'an error value: walked by the abi surface test',
      WintunLibrary: 'walked by the abi surface test',
      TunRing: 'walked by the ring surface test',
      SendRingReader: 'walked by the ring surface test',
      ReceiveRingWriter: 'walked by the ring surface test',
      SendRingProducer: 'walked by the ring surface test',
      ReceiveRingConsumer: 'walked by the ring surface test',
      Win32Event: 'Windows only: walked by the session surface test',
      SharedEvent: 'walked by the session surface test',
      InlineEvent: 'walked by the session surface test',
      RateGate: 'walked by the session surface test',
      SpinGate: 'walked by the session surface test',
      PcapngReader: 'walked by the session surface test',
      PacketQueue: 'walked by the session surface test',
      EchoResponder: 'walked by the session surface test',
    },
    instances: {
      Adapter: {
        create: newAdapter,
        check: adapterWorks,
        dispose: (adapter: Adapter) => adapter.close(),
        terminal: ['close', 'delete', Symbol.asyncDispose],
        skip: { startSession: 'walked below (AdapterStartSession): a started session must be closed per call' },
      },
      // startSession with a bad value in each position; each session it does start is closed by the walker.
      AdapterStartSession: {
        create: async () => {
          const adapter = await newAdapter();
          return { adapter, startSession: (...args: unknown[]) => adapter.startSession(...(args as [never])) };
        },
        check: ({ adapter }: { adapter: Adapter }) => adapterWorks(adapter),
        dispose: ({ adapter }: { adapter: Adapter }) => adapter.close(),
      },
      Session: {
        create: newSession,
        check: sessionWorks,
        settle: (session: Session) => sessionDrivers.get(session)!.driver.inject(ip4(1)),
        skip: { capture: 'a string argument is a file it creates: walked (with a temporary directory) by the session tests' },
        dispose: async (session: Session) => {
          await session.close();
          await sessionDrivers.get(session)?.adapter.close();
        },
        terminal: ['close', Symbol.asyncDispose],
      },
    },
  });
  expect(report.failures).toEqual([]);
  expect(report.walked).toEqual(
    expect.arrayContaining([
      'Adapter',
      'Adapter.create',
      'Adapter.open',
      'Adapter.list',
      'Adapter.driverVersion',
      'Adapter.deleteDriver',
      'Adapter.addAddress',
      'Adapter.setMtu',
      'Adapter.setDns',
      'Adapter.addRoute',
      'Adapter.setUp',
      'AdapterStartSession.startSession',
      'Session.send',
      'Session.receive',
      'parseIp',
      'parseCidr',
      'validateAdapterName',
      'createMemoryPlatform',
      'createEmulatedWindowsPlatform',
      'createTestDriver',
      'internetChecksum',
      'startDriverWorkers',
    ]),
  );
}, 600_000);

it('new Adapter() from JavaScript is refused with a WintunError (the constructor is private)', () => {
  const Ctor = Adapter as unknown as new (...args: unknown[]) => Adapter;
  expect(() => new Ctor({ name: 'x' })).toThrow(expect.objectContaining({ code: 'ERR_WINTUN_INVALID_ARGUMENT' }));
});
