/// <reference path="../../../test-support/surface-walker.d.mts" />
// Issue 10 item 8: every export of @wintun-ts/ring (root and subpaths), and every method of the
// objects users build from it, called with bad values in every argument position, returns
// normally or throws a WintunError, and the object still works afterwards. New exports are walked
// by default; a new class needs a factory below (the walk fails until it has one).
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import {
  ReceiveRingConsumer,
  ReceiveRingWriter,
  SendRingProducer,
  SendRingReader,
  TunRing,
  allocateRingMemory,
  createRingPair,
  ringPairSize,
} from '@wintun-ts/ring';

const walkerUrl = new URL('../../../test-support/surface-walker.mjs', import.meta.url).href;
const layout = { sendCapacity: 0x20000, receiveCapacity: 0x20000 };

function pair() {
  const memory = allocateRingMemory(ringPairSize(layout), { kind: 'shared' });
  return { memory, ...createRingPair(memory, layout) };
}

/** A packet goes through the Send ring (producer -> reader) and the Receive ring (writer -> consumer). */
function roundTrip(rings: ReturnType<typeof pair>, parts: { producer?: SendRingProducer; reader?: SendRingReader; writer?: ReceiveRingWriter; consumer?: ReceiveRingConsumer } = {}): void {
  const producer = parts.producer ?? new SendRingProducer(rings.send);
  const reader = parts.reader ?? new SendRingReader(rings.send);
  const packet = new Uint8Array(28);
  packet[0] = 0x45;
  packet[1] = 7;
  if (!producer.writeBatch([packet])) throw new Error('producer: no room');
  producer.publish();
  const off = reader.receive();
  if (off < 0 || rings.send.bytes[off + 1] !== 7) throw new Error(`reader: got ${off}`);
  reader.release(off);
  const writer = parts.writer ?? new ReceiveRingWriter(rings.receive);
  const consumer = parts.consumer ?? new ReceiveRingConsumer(rings.receive);
  const w = writer.allocate(28);
  if (w < 0) throw new Error(`writer: got ${w}`);
  rings.receive.bytes.set(packet, w);
  writer.commit(w);
  const c = consumer.next();
  if (c < 0 || rings.receive.bytes[c + 1] !== 7) throw new Error(`consumer: got ${c}`);
  consumer.release();
}

it('every ring export and method refuses bad values with a WintunError and stays usable', async () => {
  const { walkSurface } = (await import(walkerUrl)) as SurfaceWalker.Module;
  const report = await walkSurface({
    packageDir: fileURLToPath(new URL('..', import.meta.url)),
    importer: (specifier) => import(specifier),
    goodArgs: {
      allocateRingMemory: () => [1024, { kind: 'shared' }],
      wrapRingMemory: () => [new ArrayBuffer(1024), {}],
      ringPairSize: () => [layout],
      createRingPair: () => [allocateRingMemory(ringPairSize(layout), { kind: 'shared' }), layout, 0],
      'new TunRing': () => [new SharedArrayBuffer(0x40000), 0, 0x20000, null],
      'new SendRingReader': () => [pair().send],
      'new ReceiveRingWriter': () => [pair().receive],
      'new SendRingProducer': () => [pair().send],
      'new ReceiveRingConsumer': () => [pair().receive],
    },
    staticOnly: {
      // Re-exported from @wintun-ts/abi (walked by its own surface test).
      WintunError: 'an error value: its only method-like member is the retryable getter',
      WintunLibrary: 'built only by loadWintun on Windows; its methods are the raw wintun.dll calls',
    },
    skip: {
      // Views an arbitrary native address: with a junk address and a valid length it would read
      // wherever that points. Its argument checks are covered in memory.test.ts.
      attachRingMemory: 'views a caller-given native address',
    },
    instances: {
      TunRing: { create: () => pair().send, check: (ring: TunRing) => void ring.loadHead() },
      SendRingReader: {
        create: () => {
          const rings = pair();
          return Object.assign(new SendRingReader(rings.send), { rings });
        },
        check: (reader: SendRingReader & { rings: ReturnType<typeof pair> }) => roundTrip(reader.rings, { reader }),
      },
      ReceiveRingWriter: {
        create: () => {
          const rings = pair();
          return Object.assign(new ReceiveRingWriter(rings.receive), { rings });
        },
        check: (writer: ReceiveRingWriter & { rings: ReturnType<typeof pair> }) => roundTrip(writer.rings, { writer }),
      },
      SendRingProducer: {
        create: () => {
          const rings = pair();
          return Object.assign(new SendRingProducer(rings.send), { rings });
        },
        check: (producer: SendRingProducer & { rings: ReturnType<typeof pair> }) => roundTrip(producer.rings, { producer }),
        terminal: ['close'],
      },
      ReceiveRingConsumer: {
        create: () => {
          const rings = pair();
          return Object.assign(new ReceiveRingConsumer(rings.receive), { rings });
        },
        check: (consumer: ReceiveRingConsumer & { rings: ReturnType<typeof pair> }) => roundTrip(consumer.rings, { consumer }),
        terminal: ['abort'],
      },
    },
  });
  expect(report.failures).toEqual([]);
  expect(report.walked).toEqual(expect.arrayContaining(['TunRing', 'SendRingReader.receive', 'ReceiveRingWriter.allocate', 'createRingPair']));
});
