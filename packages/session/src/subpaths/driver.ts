/**
 * `@wintun-ts/session/driver`: what a backend that plays the Wintun driver is built from. The
 * session's construction side ({@link DriverLink}, {@link SessionBackend}), auto-reset events,
 * the driver loops and their worker-thread hosting, and the ring-level names of
 * `@wintun-ts/ring` that such a backend needs (ring memory, ring pairs, both roles). Used by the
 * adapter's platform backends and by benchmarks; applications use `Adapter.startSession()`.
 *
 * @module @wintun-ts/session/driver
 * @group Plumbing (platform bindings and driver internals)
 */
export type { DriverLink, SessionBackend, DllSessionBackend, WintunSessionCalls } from '../session.js';
export { SharedEvent } from '../events/shared.js';
export { InlineEvent } from '../events/inline.js';
export { openEvent, createSharedEvents } from '../events/open.js';
export type { AutoResetEvent, EventDescriptor } from '../events/types.js';
export { RateGate, SpinGate } from '../rate.js';
export type { RateGateOptions, SpinGateOptions } from '../rate.js';
export { runProducerLoop, runConsumerLoop, createDriverControl, DriverControl, SOURCE_OVERSIZE } from '../driver/loops.js';
export type { PacketSource, PacketSink, DriverLoopOptions, ProducerLoopOptions, ConsumerLoopOptions } from '../driver/loops.js';
export { startDriverWorkers } from '../driver/host.js';
export type { DriverWorkers, StartDriverWorkersOptions, DriverLoopSpec, DriverIoContext } from '../driver/host.js';
export { startSessionWithDriverWorkers, driverStatsView } from '../driver/start-session.js';
export { startInlineDriver, startSessionWithInlineDriver } from '../driver/inline.js';
export type {
  InlineDriver,
  InlineDriverSetup,
  InlineDriverSpec,
  InlineProducerOptions,
  InlineReadiness,
  InlineWatch,
  SessionWithInlineDriver,
  StartInlineDriverOptions,
  StartSessionWithInlineDriverOptions,
} from '../driver/inline.js';
export { driverPoolStats, stopIdleDriverWorkers, driverWorkerExecArgv, DRIVER_POOL_MAX_IDLE, DRIVER_POOL_IDLE_MS } from '../driver/pool.js';
export type { DriverPoolStats } from '../driver/pool.js';
export type {
  DriverWorkersSetup,
  DriverWorkersSpec,
  SessionWithDriverWorkers,
  StartSessionWithDriverWorkersOptions,
} from '../driver/start-session.js';
export { workerUrl, WORKER_DIR_ENV } from '../worker-url.js';
export {
  allocateRingMemory,
  attachRingMemory,
  wrapRingMemory,
  TunRing,
  ringPairSize,
  createRingPair,
  RING_EMPTY,
  RING_FULL,
  RING_EOF,
  RING_PAYLOAD_BIAS,
  SendRingReader,
  ReceiveRingWriter,
  SendRingProducer,
  ReceiveRingConsumer,
  TUN_RING_SENTINEL,
  ringSizeFromCapacity,
  capacityFromRingSize,
  tunPacketAlign,
} from '@wintun-ts/ring';
export type { RingMemory, RingMemoryKind, AllocateRingMemoryOptions, WrapRingMemoryOptions, RingPairLayout, RingPair } from '@wintun-ts/ring';
