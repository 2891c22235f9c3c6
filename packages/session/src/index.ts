export * from '@wintun-ts/ring';
/**
 * `@wintun-ts/session`: a Wintun session with wait/alert semantics over two rings (layer 3 of
 * wintun-ts): {@link Session}, the auto-reset events it waits on, and the driver loops the Linux
 * backend and the test driver run in worker threads. Re-exports `@wintun-ts/ring`. Importing this
 * package runs nothing native. In-memory driver for tests: `@wintun-ts/session/testing`.
 *
 * @packageDocumentation
 */
export { Session } from './session.js';
export type {
  DriverLink,
  SessionBackend,
  SessionOptions,
  SessionStats,
  ReceiveOptions,
  ReceivedPacket,
  SendSlot,
} from './session.js';
export type { DriverStats } from './driver/stats.js';
export { SharedEvent } from './events/shared.js';
export { openEvent, createSharedEvents } from './events/open.js';
export { Win32Event, createWin32Event, openWin32Event, WIN32_EVENT_ASYNC_SLICE_MS } from './events/win32.js';
export type { AutoResetEvent, EventDescriptor } from './events/types.js';
export { RateGate } from './rate.js';
export type { RateGateOptions } from './rate.js';
export { runProducerLoop, runConsumerLoop, createDriverControl, DriverControl, SOURCE_OVERSIZE } from './driver/loops.js';
export type { PacketSource, PacketSink, DriverLoopOptions, ProducerLoopOptions, ConsumerLoopOptions } from './driver/loops.js';
export { startDriverWorkers } from './driver/host.js';
export type { DriverWorkers, StartDriverWorkersOptions, DriverLoopSpec, DriverIoContext } from './driver/host.js';
export { startSessionWithDriverWorkers, driverStatsView } from './driver/start-session.js';
export {
  driverPoolStats,
  stopIdleDriverWorkers,
  driverWorkerExecArgv,
  DRIVER_POOL_MAX_IDLE,
  DRIVER_POOL_IDLE_MS,
} from './driver/pool.js';
export type { DriverPoolStats } from './driver/pool.js';
export type {
  DriverWorkersSetup,
  DriverWorkersSpec,
  SessionWithDriverWorkers,
  StartSessionWithDriverWorkersOptions,
} from './driver/start-session.js';
export { workerUrl, WORKER_DIR_ENV } from './worker-url.js';
