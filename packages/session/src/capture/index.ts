/**
 * `@wintun-ts/session/capture`: the pieces behind `Session.capture` for tools: pcapng and pcap
 * encoding, a streaming pcapng reader, and the local capture endpoint through which a running
 * application's session is captured and its counters read by other processes (the CLI's
 * `capture`, `status` and `extcap`). Importing it runs nothing native.
 *
 * @module @wintun-ts/session/capture
 * @group Subpaths
 */
export {
  LINKTYPE_RAW,
  EPB_FLAG_INBOUND,
  EPB_FLAG_OUTBOUND,
  DEFAULT_SNAPLEN,
  pcapFileHeader,
  pcapRecord,
  PcapngReader,
} from './pcapng.js';
export type { CaptureDirection, CaptureCounts, CapturedPacket, PcapngChunk } from './pcapng.js';
export type { CaptureFilter, CaptureStats } from './tap.js';
export type { CaptureOptions, CaptureHandle } from './attach.js';
export { captureEndpointDirs, captureEndpointPaths, serveCaptureEndpoint, connectCaptureEndpoint, fetchEndpointStatus } from './endpoint.js';
export type { CaptureEndpoint, CaptureEndpointOptions, ConnectOptions, StatusProvider } from './endpoint.js';
