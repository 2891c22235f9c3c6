/**
 * `@wintun-ts/adapter/capture`: the capture toolkit of `@wintun-ts/session/capture`, handed up by
 * name for tools built on the adapter (the CLI's `capture`, `status` and `extcap`): pcapng/pcap
 * encoding, the streaming pcapng reader, and the local capture endpoint of a running application
 * (served by `Adapter.startSession({ captureEndpoint: true })`). Importing it runs nothing native.
 *
 * @module @wintun-ts/adapter/capture
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
  captureEndpointDirs,
  captureEndpointPaths,
  serveCaptureEndpoint,
  connectCaptureEndpoint,
  fetchEndpointStatus,
} from '@wintun-ts/session/capture';
export type {
  CaptureDirection,
  CaptureCounts,
  CapturedPacket,
  PcapngChunk,
  CaptureFilter,
  CaptureStats,
  CaptureOptions,
  CaptureHandle,
  CaptureEndpoint,
  CaptureEndpointOptions,
  ConnectOptions,
  StatusProvider,
} from '@wintun-ts/session/capture';
