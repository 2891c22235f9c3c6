/// <reference path="../../../test-support/surface-walker.d.mts" />
// Issue 10 item 8: every export of @wintun-ts/session (root and subpaths), and every method of a
// Session and of the other objects users build from it, called with bad values in every argument
// position, returns normally or throws/rejects with a WintunError (never a TypeError, never a
// hang), and the object still works afterwards (a packet still goes through both rings). New
// exports are walked by default; a new class needs a factory below.
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import type { Session } from '@wintun-ts/session';
import {
  InlineEvent,
  RateGate,
  SharedEvent,
  SpinGate,
  createDriverControl,
  createRingPair,
  allocateRingMemory,
  ringPairSize,
  startDriverWorkers,
  DriverControl,
  type DriverWorkers,
} from '@wintun-ts/session/driver';
import { EchoResponder } from '@wintun-ts/session/packet';
import { PcapngReader } from '@wintun-ts/session/capture';
import { pcapngInterfaceDescription, pcapngSectionHeader } from '../src/capture/pcapng.js';
import { PacketQueue, createInThreadDriver, createTestDriver, type InThreadDriver, type TestDriver } from '../src/testing.js';

const walkerUrl = new URL('../../../test-support/surface-walker.mjs', import.meta.url).href;

const drivers = new WeakMap<Session, InThreadDriver>();

function ip4(tag: number): Uint8Array {
  const b = new Uint8Array(28);
  b[0] = 0x45;
  b[1] = tag;
  return b;
}

/** The session still works: a packet in through the Send ring, one out through the Receive ring. */
async function stillWorks(session: Session): Promise<void> {
  const driver = drivers.get(session)!;
  driver.takeSent(); // whatever the bad calls legitimately sent
  if (!driver.inject(ip4(9))) throw new Error('inject failed: the Send ring is wedged');
  const lease = await session.receive({ timeout: 1000 });
  const tag = lease.data[1];
  lease.release();
  if (tag !== 9) throw new Error(`received tag ${String(tag)}`);
  if (!session.send(ip4(7))) throw new Error('send returned false: the Receive ring is wedged');
  const sent = driver.takeSent();
  if (sent.at(-1)?.[1] !== 7) throw new Error(`the driver got ${JSON.stringify(sent.map((p) => p[1]))}`);
}

const layout = { sendCapacity: 0x20000, receiveCapacity: 0x20000 };

/** Valid arguments of the driver loops, with the stop flag already set (the loop returns at once). */
function loopArgs(role: 'producer' | 'consumer'): unknown[] {
  const rings = createRingPair(allocateRingMemory(ringPairSize(layout), { kind: 'shared' }), layout);
  const control = createDriverControl();
  Atomics.store(control, DriverControl.STOP, 1);
  const io = role === 'producer' ? { read: () => 0 } : { write: () => undefined };
  return [role === 'producer' ? rings.send : rings.receive, io, new SharedEvent(), control, {}];
}

/** Valid options of startDriverWorkers with no loop (nothing runs; close() is immediate). */
function driverWorkersOptions(): Record<string, unknown> {
  return {
    memory: allocateRingMemory(ringPairSize(layout), { kind: 'shared' }),
    layout,
    readEvent: new SharedEvent(),
    writeEvent: new SharedEvent(),
    producer: null,
    consumer: null,
  };
}

/** A worker test driver still works: a packet each way through the worker loops. */
async function testDriverWorks(driver: TestDriver): Promise<void> {
  driver.takeSent();
  if (!driver.inject(ip4(9))) throw new Error('inject failed');
  const lease = await driver.session.receive({ timeout: 2000 });
  const tag = lease.data[1];
  lease.release();
  if (tag !== 9) throw new Error(`received tag ${String(tag)}`);
  // Through a subscriber of its own (callbacks that onSend registered take the packets first).
  const got = new Promise<Uint8Array>((resolve, reject) => {
    const off = driver.onSend((p) => {
      off();
      resolve(p);
    });
    setTimeout(() => reject(new Error('no sent packet within 2000 ms')), 2000).unref();
  });
  if (!driver.session.send(ip4(7))) throw new Error('send returned false');
  const out = await got;
  if (out[1] !== 7) throw new Error(`the driver got tag ${String(out[1])}`);
}

it('every session export and Session method refuses bad values with a WintunError and stays usable', async () => {
  const { walkSurface } = (await import(walkerUrl)) as SurfaceWalker.Module;
  const report = await walkSurface({
    packageDir: fileURLToPath(new URL('..', import.meta.url)),
    importer: (specifier) => import(specifier),
    timeoutMs: 3000,
    goodArgs: {
      internetChecksum: () => [new Uint8Array(20), 0, 20, 0],
      echoReplyInPlace: () => [new Uint8Array(40), 0, 40, { addresses: null, udpPorts: null }],
      classifyEcho: () => [new Uint8Array(40), 0, 40, { addresses: null, udpPorts: null }],
      buildIcmpEcho: () => [{ source: '10.0.0.1', destination: '10.0.0.2', id: 1, sequence: 1 }],
      buildUdpPacket: () => [{ source: '10.0.0.1', destination: '10.0.0.2', sourcePort: 1, destinationPort: 2, payload: new Uint8Array(4) }],
      'Session.sendWith': () => [20, () => undefined, false],
      'Session.drain': () => [() => undefined, 4],
      'Session.receiveInto': () => [() => undefined, { timeout: 10 }],
      'Session.receive': () => [{ timeout: 10 }],
      'Session.waitForSpace': () => [20, { timeout: 10 }],
      'Session.batches': () => [{ max: 4 }],
      startInlineDriver: () => [{ rings: createRingPair(allocateRingMemory(ringPairSize(layout), { kind: 'shared' }), layout), readEvent: new InlineEvent() }],
      startSessionWithInlineDriver: () => [{ layout, memory: 'shared', driver: () => ({}) }],
      runProducerLoop: () => loopArgs('producer'),
      runConsumerLoop: () => loopArgs('consumer'),
      queuePacketSink: () => [new PacketQueue(0x20000), { stopped: () => true }, undefined],
      'PacketQueue.push': () => [new Uint8Array(20), 0, 20, undefined],
      'PacketQueue.popInto': () => [new Uint8Array(100), 0, 100],
      'PacketQueue.waitReadableSync': () => [1],
      'PacketQueue.waitWritableSync': () => [1],
      'PacketQueue.waitReadable': () => [1],
      'TestDriver.nextSent': () => [{ timeout: 10 }],
      'InThreadDriver.inject': () => [ip4(3), ip4(4)],
    },
    staticOnly: {
      // Re-exported from the layers below (walked by their own surface tests).
      WintunError: 'an error value: its only method-like member is the retryable getter',
      WintunLibrary: 'built only by loadWintun on Windows; its methods are the raw wintun.dll calls',
      TunRing: 'walked by the ring surface test',
      SendRingReader: 'walked by the ring surface test',
      ReceiveRingWriter: 'walked by the ring surface test',
      SendRingProducer: 'walked by the ring surface test',
      ReceiveRingConsumer: 'walked by the ring surface test',
      Win32Event: 'Windows only: its constructor refuses other platforms',
    },
    instances: {
      TestDriver: {
        create: () => createTestDriver({ capacity: 0x20000, queueBytes: 0x20000 }),
        check: testDriverWorks,
        // nextSent() without a timeout waits for the session to send: send one.
        settle: (driver: TestDriver) => driver.session.send(ip4(1)),
        dispose: (driver: TestDriver) => driver.close(),
        terminal: ['close', Symbol.asyncDispose, 'endSession', 'abortReceive'],
      },
      InThreadDriver: {
        create: () => {
          const driver = createInThreadDriver();
          drivers.set(driver.session, driver);
          return driver;
        },
        check: (driver: InThreadDriver) => stillWorks(driver.session),
        dispose: (driver: InThreadDriver) => driver.close(),
        terminal: ['close', Symbol.asyncDispose, 'endSession', 'abortReceive'],
      },
      PacketQueue: {
        create: () => new PacketQueue(0x20000),
        check: (queue: PacketQueue) => {
          while (queue.shift() !== null);
          if (!queue.push(new Uint8Array([1, 2, 3]))) throw new Error('push failed');
          const got = queue.shift();
          if (got?.[2] !== 3) throw new Error('the queue lost the packet');
        },
        terminal: ['close'],
      },
      DriverWorkers: {
        create: () => startDriverWorkers(driverWorkersOptions() as never),
        dispose: (workers: DriverWorkers) => workers.close(),
        terminal: ['close'],
      },
      Session: {
        create: () => {
          const driver = createInThreadDriver();
          drivers.set(driver.session, driver);
          return driver.session;
        },
        check: stillWorks,
        // A receive without timeout waits for a packet by design: deliver one.
        settle: (session: Session) => drivers.get(session)!.inject(ip4(1)),
        dispose: (session: Session) => session.close(),
        terminal: ['close', Symbol.asyncDispose],
        skip: { capture: 'a string argument is a file it creates: its checks are tested in capture.test.ts' },
      },
      SharedEvent: {
        create: () => new SharedEvent(),
        check: async (event: SharedEvent) => {
          event.set();
          if (!(await event.wait(100))) throw new Error('a set event did not wake wait()');
        },
        terminal: ['close'],
      },
      InlineEvent: {
        create: () => new InlineEvent(),
        check: async (event: InlineEvent) => {
          event.set();
          if (!(await event.wait(100))) throw new Error('a set event did not wake wait()');
        },
        terminal: ['close'],
      },
      PcapngReader: {
        create: () => new PcapngReader(),
        check: (reader: PcapngReader) => {
          reader.push(pcapngSectionHeader());
          reader.push(pcapngInterfaceDescription('wt'));
          if (reader.interfaces[0] !== 'wt') throw new Error('a fresh section was not read');
        },
      },
      RateGate: { create: () => new RateGate(), check: (gate: RateGate) => void gate.shouldSpin() },
      SpinGate: { create: () => new SpinGate(), check: (gate: SpinGate) => void gate.nextSpinMs() },
      EchoResponder: {
        create: () => {
          const driver = createInThreadDriver();
          drivers.set(driver.session, driver);
          return Object.assign(new EchoResponder(driver.session), { driver });
        },
        dispose: async (responder: EchoResponder & { driver: InThreadDriver }) => {
          await responder.stop();
          await responder.driver.close();
        },
        terminal: ['stop'],
      },
    },
  });
  expect(report.failures).toEqual([]);
  expect(report.walked).toEqual(expect.arrayContaining(['Session', 'Session.send', 'Session.receive', 'Session.batches', 'Session.unref']));
  // The driver side is walked too (it used to be skipped).
  expect(report.walked).toEqual(
    expect.arrayContaining([
      'startDriverWorkers',
      'startSessionWithDriverWorkers',
      'createTestDriver',
      'createInThreadDriver',
      'workerUrl',
      'queuePacketSink',
      'queuePacketSource',
      'runProducerLoop',
      'runConsumerLoop',
      'createDriverControl',
      'driverStatsView',
      'driverPoolStats',
      'stopIdleDriverWorkers',
      'driverWorkerExecArgv',
      'PacketQueue',
      'PacketQueue.push',
      'PacketQueue.popInto',
      'TestDriver.inject',
      'TestDriver.nextSent',
      'TestDriver.takeSent',
      'TestDriver.injectMany',
      'TestDriver.onSend',
      'InThreadDriver.inject',
      'InThreadDriver.takeSent',
      'InThreadDriver.setAlertable',
      'DriverWorkers.close',
    ]),
  );
});
