// The 'dll' session engine's logic on every platform, against a wintun.dll stand-in written in
// JavaScript (the calls a WintunLibrary makes, with per-packet ArrayBuffers as the "DLL memory").
// Under Wine the same engine runs against the stand-in wintun.dll (test-wine/session-engines.test.mjs).
import { describe, expect, it } from 'vitest';
import { Session, WintunError } from '@wintun-ts/session';
import { SharedEvent, type DllSessionBackend, type WintunSessionCalls } from '@wintun-ts/session/driver';

/** A JavaScript wintun.dll session: a queue to receive from, a log of sent packets, a capacity. */
class FakeDll implements WintunSessionCalls {
  readonly memory = new Map<bigint, ArrayBuffer>();
  readonly toUser: Uint8Array[] = [];
  readonly sent: Uint8Array[] = [];
  readonly released: bigint[] = [];
  readonly calls: string[] = [];
  readonly readEvent = new SharedEvent();
  outstandingSend = 0;
  sendCapacity = 1 << 20;
  ended = false;
  endError: 'eof' | 'corrupt' | null = null;
  #next = 0x1000n;

  inject(p: Uint8Array): void {
    this.toUser.push(p.slice());
    this.readEvent.set();
  }

  #place(bytes: Uint8Array | number): bigint {
    const address = this.#next;
    this.#next += 0x10000n;
    const size = typeof bytes === 'number' ? bytes : bytes.byteLength;
    const buffer = new ArrayBuffer(size);
    if (typeof bytes !== 'number') new Uint8Array(buffer).set(bytes);
    this.memory.set(address, buffer);
    return address;
  }

  receivePacket(session: bigint): { packet: bigint; size: number } | null {
    this.calls.push('receive');
    if (this.ended) throw new Error('call after WintunEndSession');
    if (this.endError === 'eof') throw new WintunError('ERR_WINTUN_EOF', 'eof', { win32Code: 38 });
    if (this.endError === 'corrupt') throw new WintunError('ERR_WINTUN_RING_CORRUPT', 'corrupt', { win32Code: 13 });
    expect(session).toBe(7n);
    const p = this.toUser.shift();
    if (p === undefined) return null;
    return { packet: this.#place(p), size: p.byteLength };
  }

  releaseReceivePacket(_session: bigint, packet: bigint): void {
    this.calls.push('release');
    if (this.ended) throw new Error('call after WintunEndSession');
    if (!this.memory.delete(packet)) throw new Error(`release of ${packet} twice or unknown`);
    this.released.push(packet);
  }

  allocateSendPacket(_session: bigint, size: number): bigint | null {
    this.calls.push('allocate');
    if (this.ended) throw new Error('call after WintunEndSession');
    if (this.endError === 'eof') throw new WintunError('ERR_WINTUN_EOF', 'eof', { win32Code: 38 });
    if (this.outstandingSend + size > this.sendCapacity) return null;
    this.outstandingSend += size;
    return this.#place(size);
  }

  sendPacket(_session: bigint, packet: bigint): void {
    this.calls.push('send');
    if (this.ended) throw new Error('call after WintunEndSession');
    const buffer = this.memory.get(packet);
    if (buffer === undefined) throw new Error(`send of ${packet} twice or unknown`);
    this.memory.delete(packet);
    this.sent.push(new Uint8Array(buffer).slice());
  }

  backend(): DllSessionBackend & { closes: number } {
    const self = this;
    const b = {
      engine: 'dll' as const,
      calls: this,
      handle: 7n,
      view: (address: bigint, length: number): ArrayBuffer => {
        const buffer = self.memory.get(address);
        if (buffer === undefined || buffer.byteLength !== length) throw new Error(`view of ${address}/${length}`);
        return buffer;
      },
      readEvent: this.readEvent,
      closes: 0,
      link: {
        close: async (): Promise<void> => {
          b.closes++;
          self.ended = true;
        },
      },
    };
    return b;
  }
}

const ip = (tag: number, size = 40): Uint8Array => {
  const p = new Uint8Array(size);
  p[0] = 0x45;
  p[1] = tag;
  return p;
};

describe("the 'dll' engine", () => {
  it('hands out every receive form as views of DLL memory, one call per packet, and releases each once', async () => {
    const dll = new FakeDll();
    const session = new Session(dll.backend());
    expect(session.engine).toBe('dll');
    for (let i = 0; i < 8; i++) dll.inject(ip(i, 40 + i));
    const lease = session.tryReceive()!;
    expect([lease.data[1], lease.length]).toEqual([0, 40]);
    dll.calls.length = 0;
    lease.release();
    expect(dll.calls).toEqual(['release']);
    expect(lease.data.byteLength, 'released: detached').toBe(0);
    expect(() => lease.release()).toThrow(expect.objectContaining({ code: 'ERR_WINTUN_INVALID_STATE' }));
    const got: number[] = [];
    expect(session.drain((bytes, offset, length) => got.push(bytes[offset + 1]! * 100 + length), 2)).toBe(2);
    expect(got).toEqual([141, 242]);
    expect(await session.receiveInto((bytes, offset) => got.push(bytes[offset + 1]!), { max: 2 })).toBe(2);
    const ac = new AbortController();
    for await (const batch of session.batches({ signal: ac.signal })) {
      expect(batch.count).toBe(1);
      got.push(batch.packet(0)[1]!);
      if (got.length === 7) ac.abort();
    }
    expect(got).toEqual([141, 242, 3, 4, 5, 6, 7]);
    expect(dll.memory.size, 'every packet went back').toBe(0);
    expect(session.stats.packetsReceived).toBe(8);
    await session.close();
  });

  it('sends in call order through every send form; a failed fill and a discard reach the DLL as non-IP records', async () => {
    const dll = new FakeDll();
    const session = new Session(dll.backend());
    expect(session.send(ip(1))).toBe(true);
    expect(session.sendMany([ip(2), ip(3)])).toBe(2);
    expect(session.sendWith(40, (b, o) => b.set(ip(4), o), true)).toBe(true);
    expect(() => session.sendWith(40, () => { throw new Error('boom'); })).toThrow('boom');
    const slot = session.allocateSend(40)!;
    slot.data.set(ip(5));
    slot.commit();
    expect(slot.data.byteLength).toBe(0);
    session.allocateSend(40)!.discard();
    session.flushSends();
    expect(dll.sent.map((p) => (p[0] === 0 ? 'x' : p[1]))).toEqual([1, 2, 3, 4, 'x', 5, 'x']);
    expect(session.stats).toMatchObject({ packetsSent: 5, sendDiscards: 2 });
    expect(() => session.send(new Uint8Array(0x10000))).toThrow(expect.objectContaining({ code: 'ERR_WINTUN_PACKET_TOO_LARGE' }));
    expect(session.sendFreeBytes).toBeNaN();
    await session.close();
  });

  it('a full DLL ring is a return value; waitForSpace probes with a discarded allocation', async () => {
    const dll = new FakeDll();
    dll.sendCapacity = 100;
    const session = new Session(dll.backend());
    expect(session.sendMany([ip(1, 60), ip(2, 60), ip(3, 60)])).toBe(1);
    expect(session.stats.sendDrops).toBe(2);
    expect(session.allocateSend(60)).toBeNull();
    expect(session.stats.sendFull).toBe(1);
    const waiting = session.waitForSpace(60, { timeout: 5000 });
    setTimeout(() => {
      dll.outstandingSend = 0;
    }, 20);
    await waiting;
    expect(dll.sent.at(-1)?.[0], 'the probe went out as a record the driver drops').toBe(0);
    await expect(session.waitForSpace(90, { timeout: 30 })).rejects.toMatchObject({ code: 'ERR_WINTUN_TIMEOUT' });
    await session.close();
  });

  it('close wakes waiters, detaches unreleased leases and unsettled slots, then ends the DLL session once; later settles call nothing', async () => {
    const dll = new FakeDll();
    const backend = dll.backend();
    const session = new Session(backend);
    dll.inject(ip(1));
    const kept = session.tryReceive()!;
    const slot = session.allocateSend(40)!;
    const pending = session.receive();
    await new Promise((r) => setTimeout(r, 20));
    const rejected = expect(pending).rejects.toMatchObject({ code: 'ERR_WINTUN_CLOSED' });
    await session.close();
    await rejected;
    expect(backend.closes).toBe(1);
    expect(kept.data.byteLength).toBe(0);
    expect(slot.data.byteLength).toBe(0);
    kept.release();
    expect(() => slot.commit()).toThrow(expect.objectContaining({ code: 'ERR_WINTUN_CLOSED' }));
    slot.discard();
    expect(() => session.tryReceive()).toThrow(expect.objectContaining({ code: 'ERR_WINTUN_CLOSED' }));
    await session.close();
    expect(backend.closes).toBe(1);
  });

  it("the DLL's EOF ends the session (a waiting receive rejects, loops end); corruption is final", async () => {
    const dll = new FakeDll();
    const session = new Session(dll.backend());
    const pending = session.receive();
    await new Promise((r) => setTimeout(r, 20));
    dll.endError = 'eof';
    dll.readEvent.set();
    await expect(pending).rejects.toMatchObject({ code: 'ERR_WINTUN_EOF' });
    expect(session.isOpen).toBe(false);
    await session.close();

    const dll2 = new FakeDll();
    const s2 = new Session(dll2.backend());
    dll2.endError = 'corrupt';
    expect(() => s2.tryReceive()).toThrow(expect.objectContaining({ code: 'ERR_WINTUN_RING_CORRUPT' }));
    expect(() => s2.send(ip(1))).toThrow(expect.objectContaining({ code: 'ERR_WINTUN_RING_CORRUPT' }));
    await s2.close();
  });

  it('refuses a malformed dll backend with ERR_WINTUN_INVALID_ARGUMENT', () => {
    const good = new FakeDll().backend();
    for (const bad of [
      { ...good, calls: {} },
      { ...good, calls: null },
      { ...good, handle: 0n },
      { ...good, handle: 7 },
      { ...good, view: null },
      { ...good, readEvent: {} },
      { ...good, link: {} },
    ]) {
      expect(() => new Session(bad as never)).toThrow(expect.objectContaining({ code: 'ERR_WINTUN_INVALID_ARGUMENT' }));
    }
  });
});

describe("the 'dll' engine's capture tap (issue 15)", () => {
  it('records every receive and send form in both directions, in order', async () => {
    const { PcapngReader } = await import('@wintun-ts/session/capture');
    const { PassThrough } = await import('node:stream');
    const dll = new FakeDll();
    const session = new Session(dll.backend());
    const out = new PassThrough();
    const reader = new PcapngReader();
    const got: string[] = [];
    out.on('data', (b: Buffer) => got.push(...reader.push(b).packets.map((p) => `${p.direction}${p.data[1]}`)));
    const cap = session.capture(out, { interfaceName: 'wt-dll' });
    for (let i = 1; i <= 4; i++) dll.inject(ip(i));
    session.tryReceive()!.release(); // lease
    session.drain(() => undefined, 2); // drain: first and later packets
    session.send(ip(10));
    session.sendMany([ip(11)]);
    session.sendWith(40, (b, o) => b.set(ip(12), o));
    const slot = session.allocateSend(40)!;
    slot.data.set(ip(13));
    slot.commit();
    const it = session.batches();
    await it.next(); // batch
    await it.return!();
    await cap.close();
    expect(got).toEqual(['out1', 'out2', 'out3', 'in10', 'in11', 'in12', 'in13', 'out4']);
    expect(reader.interfaces).toEqual(['wt-dll']);
    await session.close();
  });
});
