// The one async iterator (issue 11): `for await (const batch of session)` / `session.batches()`.
import { describe, expect, it } from 'vitest';
import { isWintunError } from '@wintun-ts/session';
import { createInThreadDriver } from '../src/testing.js';
import { ip4 } from './helpers.js';

describe('Session.batches', () => {
  it('yields every ready packet in one reused batch, released when the loop advances', async () => {
    await using d = createInThreadDriver();
    const s = d.session;
    const it = s.batches();
    d.inject(ip4(1), ip4(2, 60), ip4(3));
    const first = await it.next();
    const batch = first.value!;
    expect(batch.count).toBe(3);
    expect([...batch].map((p) => [p[1], p.length])).toEqual([
      [1, 40],
      [2, 60],
      [3, 40],
    ]);
    expect(batch.bytes[batch.offset(1) + 1]).toBe(2);
    expect(batch.length(1)).toBe(60);
    expect(batch.packet(2)[1]).toBe(3);
    expect(d.rings.send.loadHead()).not.toBe(d.rings.send.loadTail()); // still held
    d.inject(ip4(4));
    const second = await it.next();
    expect(second.value).toBe(batch); // the same object, reused
    expect(batch.count).toBe(1);
    expect(batch.packet(0)[1]).toBe(4);
    await it.return!();
    expect(batch.count).toBe(0);
    expect(d.rings.send.loadHead()).toBe(d.rings.send.loadTail()); // all released
    expect((await it.next()).done).toBe(true);
    expect(s.stats.packetsReceived).toBe(4);
  });

  it('an index outside the batch is ERR_WINTUN_INVALID_ARGUMENT (a batch is valid only during its step)', async () => {
    await using d = createInThreadDriver();
    d.inject(ip4(1));
    const it = d.session.batches();
    const { value: batch } = await it.next();
    for (const bad of [1, -1, 0.5, Number.NaN, '0' as never]) {
      expect(() => batch!.offset(bad)).toThrow(expect.objectContaining({ code: 'ERR_WINTUN_INVALID_ARGUMENT' }));
    }
    await it.return!();
    expect(() => batch!.length(0)).toThrow(expect.objectContaining({ code: 'ERR_WINTUN_INVALID_ARGUMENT' }));
  });

  it('breaking out of a for-await loop releases the batch; max bounds a batch', async () => {
    await using d = createInThreadDriver();
    d.inject(ip4(1), ip4(2), ip4(3));
    const counts: number[] = [];
    for await (const batch of d.session.batches({ max: 2 })) {
      counts.push(batch.count);
      if (counts.length === 2) break;
    }
    expect(counts).toEqual([2, 1]);
    expect(d.rings.send.loadHead()).toBe(d.rings.send.loadTail());
    expect(d.session.outstandingPackets).toBe(0);
  });

  it('waits for packets; the signal and close end the loop normally', async () => {
    await using d = createInThreadDriver();
    const ac = new AbortController();
    const seen: number[] = [];
    const loop = (async () => {
      for await (const batch of d.session.batches({ signal: ac.signal })) for (const p of batch) seen.push(p[1]!);
    })();
    await new Promise((r) => setTimeout(r, 20));
    d.inject(ip4(7));
    await expect.poll(() => seen).toEqual([7]);
    ac.abort();
    await loop;

    const closing = (async () => {
      let n = 0;
      for await (const batch of d.session) n += batch.count;
      return n;
    })();
    await new Promise((r) => setTimeout(r, 20));
    await d.session.close();
    expect(await closing).toBe(0);
  });

  it('EOF ends the loop; a second next() before the first settled is refused', async () => {
    await using d = createInThreadDriver();
    const it = d.session[Symbol.asyncIterator]();
    const pending = it.next();
    const again = it.next().then(
      () => 'ok',
      (e: unknown) => (isWintunError(e) ? e.code : String(e)),
    );
    expect(await again).toBe('ERR_WINTUN_INVALID_STATE');
    d.endSession();
    expect((await pending).done).toBe(true);
  });
});
