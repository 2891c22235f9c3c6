import { describe, expect, it } from 'vitest';
import {
  CTL_CODE,
  TUN_IOCTL_FORCE_CLOSE_HANDLES,
  TUN_IOCTL_REGISTER_RINGS,
  TUN_MAX_PACKET_SIZE,
  TUN_RING_TRAILING_SIZE,
  WINTUN_MAX_RING_CAPACITY,
  WINTUN_MIN_RING_CAPACITY,
  capacityFromRingSize,
  isValidRingCapacity,
  ringSizeFromCapacity,
  tunAlign,
  tunPacketAlign,
  tunRingContent,
  tunRingFree,
  tunRingWrap,
} from '@wintun-ts/abi';

describe('constants (spec 1.1)', () => {
  it('has the driver values', () => {
    expect(TUN_MAX_PACKET_SIZE).toBe(0x10004);
    expect(TUN_RING_TRAILING_SIZE).toBe(0x10000);
    expect(WINTUN_MIN_RING_CAPACITY).toBe(0x20000);
    expect(WINTUN_MAX_RING_CAPACITY).toBe(0x4000000);
  });

  it('derives the IOCTL codes from CTL_CODE (spec 2.1)', () => {
    expect(TUN_IOCTL_REGISTER_RINGS).toBe(0xca6ce5c0);
    expect(TUN_IOCTL_FORCE_CLOSE_HANDLES).toBe(0xca6ce5c7);
    expect(CTL_CODE(0x22, 1, 0, 0)).toBe(0x220004);
  });
});

describe('arithmetic (spec 1.3)', () => {
  it('edge 19: record sizing', () => {
    expect(tunPacketAlign(0)).toBe(4);
    expect(tunPacketAlign(1)).toBe(8);
    expect(tunPacketAlign(20)).toBe(24);
    expect(tunPacketAlign(0xffff)).toBe(65540);
    expect(tunAlign(5)).toBe(8);
    expect(tunAlign(8)).toBe(8);
  });

  it('ring size from capacity and back', () => {
    expect(ringSizeFromCapacity(0x400000)).toBe(0x41000c);
    expect(ringSizeFromCapacity(0x20000)).toBe(0x3000c);
    expect(ringSizeFromCapacity(0x4000000)).toBe(0x401000c);
    for (let c = WINTUN_MIN_RING_CAPACITY; c <= WINTUN_MAX_RING_CAPACITY; c *= 2) {
      expect(capacityFromRingSize(ringSizeFromCapacity(c))).toBe(c);
    }
  });

  it('edge 3: a RingSize without the trailing area derives an invalid capacity', () => {
    expect(isValidRingCapacity(capacityFromRingSize(0x400000 + 12))).toBe(false);
    // a too small RingSize underflows in u32 arithmetic and fails the maximum check
    expect(capacityFromRingSize(100)).toBeGreaterThan(WINTUN_MAX_RING_CAPACITY);
    expect(isValidRingCapacity(capacityFromRingSize(100))).toBe(false);
  });

  it('edges 1-2: capacity validation', () => {
    expect(isValidRingCapacity(0x30000)).toBe(false);
    expect(isValidRingCapacity(0x10000)).toBe(false);
    expect(isValidRingCapacity(0x8000000)).toBe(false);
    expect(isValidRingCapacity(0x20000 + 0.5)).toBe(false);
    expect(isValidRingCapacity(0x20000)).toBe(true);
    expect(isValidRingCapacity(0x4000000)).toBe(true);
  });

  it('edge 21: wrap arithmetic in int32 and u32', () => {
    const cap = 0x20000;
    expect(tunRingContent(0x1fff0, 0x10, cap)).toBe(0x20);
    expect(tunRingFree(0x1fff0, 0x10, cap)).toBe(0x1ffdc);
    expect(tunRingFree(0, 0, cap)).toBe(cap - 4);
    expect(tunRingContent(5 * 4, 5 * 4, cap)).toBe(0);
    expect(tunRingWrap(0xfffffffc, cap)).toBe(0x1fffc);
    expect(tunRingWrap(0x1fffc + 0x68, cap)).toBe(0x64);
  });
});
