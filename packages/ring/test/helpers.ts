import {
  ReceiveRingConsumer,
  ReceiveRingWriter,
  SendRingProducer,
  SendRingReader,
  allocateRingMemory,
  createRingPair,
  ringPairSize,
  type RingMemory,
  type TunRing,
} from '@wintun-ts/ring';

export const CAP = 0x20000;

/** A fresh ring pair on a SharedArrayBuffer (or native memory). */
export function pair(
  sendCapacity = CAP,
  receiveCapacity = CAP,
  kind: 'shared' | 'native' = 'shared',
): { memory: RingMemory; send: TunRing; receive: TunRing } {
  const memory = allocateRingMemory(ringPairSize({ sendCapacity, receiveCapacity }), { kind });
  const { send, receive } = createRingPair(memory, { sendCapacity, receiveCapacity });
  return { memory, send, receive };
}

/** Presets Head and Tail (both must be set before the role objects are built). */
export function preset(ring: TunRing, head: number, tail: number = head): void {
  ring.storeHead(head);
  ring.storeTail(tail);
}

/** All four roles on a fresh pair, optionally starting at `sendAt` / `receiveAt`. */
export function roles(sendAt = 0, receiveAt = 0, sendCapacity = CAP, receiveCapacity = CAP) {
  const p = pair(sendCapacity, receiveCapacity);
  preset(p.send, sendAt);
  preset(p.receive, receiveAt);
  return {
    ...p,
    reader: new SendRingReader(p.send),
    producer: new SendRingProducer(p.send),
    writer: new ReceiveRingWriter(p.receive),
    consumer: new ReceiveRingConsumer(p.receive),
  };
}

/** Writes an IPv4-looking (or IPv6, or garbage) first byte and a fill into a payload. */
export function fillPacket(bytes: Uint8Array, offset: number, size: number, version: 4 | 6 | 0, fill: number): void {
  bytes.fill(fill & 0xff, offset, offset + size);
  if (size > 0) bytes[offset] = version === 4 ? 0x45 : version === 6 ? 0x60 : 0x10;
}

/** Data offset (inside Data[]) of the record whose payload is at `payloadOffset`. */
export function recordStart(payloadOffset: number): number {
  return payloadOffset - 16;
}

/** Writes a raw record (Size + payload) at data offset `at`, as a producer would. */
export function rawRecord(ring: TunRing, at: number, size: number, firstByte = 0x45): void {
  new DataView(ring.bytes.buffer, ring.bytes.byteOffset).setUint32(12 + at, size >>> 0, true);
  if (size > 0 && size <= 0xffff) ring.bytes[12 + at + 4] = firstByte;
}

/** Reads the u32 Size field of the record at data offset `at`. */
export function sizeAt(ring: TunRing, at: number): number {
  return new DataView(ring.bytes.buffer, ring.bytes.byteOffset).getUint32(12 + at, true);
}
