import { describe, expect, it } from 'vitest';
import {
  ReceiveRingConsumer,
  ReceiveRingWriter,
  SendRingProducer,
  SendRingReader,
  WintunError,
  allocateRingMemory,
  attachRingMemory,
  createRingPair,
  ringPairSize,
  wrapRingMemory,
} from '@wintun-ts/ring';

const layout = { sendCapacity: 0x20000, receiveCapacity: 0x20000 };

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(WintunError);
    return (error as WintunError).code;
  }
  return 'no error';
}

describe('ring memory', () => {
  it('native memory is zeroed, has an address and is freed idempotently', () => {
    const memory = allocateRingMemory(ringPairSize(layout));
    expect(memory.kind).toBe('native');
    expect(memory.owned).toBe(true);
    expect(typeof memory.address).toBe('bigint');
    expect(memory.address).not.toBe(0n);
    expect(memory.buffer.byteLength).toBe(ringPairSize(layout));
    expect(new Uint8Array(memory.buffer).every((b) => b === 0)).toBe(true);
    memory.free();
    memory.free();
    expect(memory.freed).toBe(true);
  });

  it('shared memory is a SharedArrayBuffer without an address', () => {
    const memory = allocateRingMemory(1024, { kind: 'shared' });
    expect(memory.kind).toBe('shared');
    expect(memory.address).toBeNull();
    expect(memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    memory.free();
  });

  it('attachRingMemory sees the owner memory and does not own it', () => {
    const owner = allocateRingMemory(ringPairSize(layout), { kind: 'native' });
    const view = attachRingMemory(owner.address as bigint, owner.byteLength);
    expect(view.owned).toBe(false);
    expect(view.kind).toBe('native');
    const a = createRingPair(owner, layout);
    const b = createRingPair(view, layout);
    a.receive.storeTail(0x40);
    expect(b.receive.loadTail()).toBe(0x40);
    view.free();
    expect(code(() => b.receive.loadTail())).toBe('ERR_WINTUN_CLOSED');
    expect(a.receive.loadTail()).toBe(0x40); // the owner's memory is still alive
    owner.free();
  });

  it('wrapRingMemory wraps a caller buffer as external memory', () => {
    const buffer = new ArrayBuffer(ringPairSize(layout));
    const memory = wrapRingMemory(buffer, { address: 0x1000n });
    expect(memory.kind).toBe('external');
    expect(memory.address).toBe(0x1000n);
    expect(memory.owned).toBe(false);
    const { send } = createRingPair(memory, layout);
    const producer = new SendRingProducer(send);
    expect(producer.writeBatch([new Uint8Array(20)])).toBe(true);
    expect(producer.publish()).toBe(true);
    expect(new Uint32Array(buffer)[1]).toBe(24);
    expect(wrapRingMemory(buffer).address).toBeNull();
    expect(code(() => wrapRingMemory(buffer, { address: 0n }))).toBe('ERR_WINTUN_INVALID_ARGUMENT');
  });

  it('rejects bad lengths, kinds and addresses', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 31]) {
      expect(code(() => allocateRingMemory(bad))).toBe('ERR_WINTUN_INVALID_ARGUMENT');
    }
    expect(code(() => allocateRingMemory(16, { kind: 'bogus' as 'shared' }))).toBe('ERR_WINTUN_INVALID_ARGUMENT');
    expect(code(() => attachRingMemory(0n, 16))).toBe('ERR_WINTUN_INVALID_ARGUMENT');
  });

  it('every ring object refuses use after free (ERR_WINTUN_CLOSED) instead of touching freed memory', () => {
    for (const kind of ['native', 'shared'] as const) {
      const memory = allocateRingMemory(ringPairSize(layout), { kind });
      const { send, receive } = createRingPair(memory, layout);
      const reader = new SendRingReader(send);
      const producer = new SendRingProducer(send);
      const writer = new ReceiveRingWriter(receive);
      const consumer = new ReceiveRingConsumer(receive);
      const p = writer.allocate(20);
      memory.free();
      expect(send.closed).toBe(true);
      const calls: Array<() => unknown> = [
        () => reader.receive(),
        () => reader.release(16),
        () => writer.allocate(20),
        () => writer.commit(p),
        () => writer.freeBytes,
        () => producer.reserve(20),
        () => producer.commitRecord(16, 0),
        () => producer.writeBatch([]),
        () => producer.publish(),
        () => consumer.next(),
        () => consumer.release(),
        () => consumer.prepareWait(),
        () => consumer.endWait(),
        () => send.loadHead(),
        () => send.storeHead(0),
        () => send.loadTail(),
        () => send.storeTail(0),
        () => send.loadAlertable(),
        () => send.storeAlertable(0),
        () => createRingPair(memory, layout),
        () => new SendRingReader(send),
      ];
      for (const call of calls) expect(code(call)).toBe('ERR_WINTUN_CLOSED');
      // close/abort are teardown calls: silent no-ops after free.
      expect(() => producer.close()).not.toThrow();
      expect(() => consumer.abort()).not.toThrow();
    }
  });
});
