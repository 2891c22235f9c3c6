/**
 * `@wintun-ts/cli`: the `wintun-ts` command (layer 5 of wintun-ts) as a library, for a program that
 * embeds it: {@link run} executes a command line against injectable streams, and the pieces the
 * command is built from are reusable: the pcap writer ({@link PcapWriter}) and the echo responder
 * ({@link @wintun-ts/session!"@wintun-ts/session/packet".EchoResponder | EchoResponder}, which
 * answers pings and UDP through a session). Importing this package
 * runs nothing; the executable is `dist/main.js`. The adapter API itself is `@wintun-ts/adapter`.
 *
 * @module @wintun-ts/cli
 * @group Package root
 */
export { run, commands, mainHelp } from './run.js';
export { ExitCode } from './io.js';
export type { CliIo, ExitCodeValue } from './io.js';
export type { Command, CommandContext, OptionSpec, OptionValues } from './command.js';
export { PcapWriter, pcapGlobalHeader, pcapRecordHeader, nowMicros, PCAP_MAGIC, LINKTYPE_RAW, PCAP_DEFAULT_SNAPLEN, PCAP_DEFAULT_MAX_BUFFERED } from './pcap.js';
export type { PcapWriterOptions, PcapCloseResult } from './pcap.js';
export type { CliErrorReport } from './errors.js';
export type { ExplainedCode } from './commands/explain.js';
export { EchoResponder, startEchoResponder } from '@wintun-ts/adapter/packet';
export type { EchoResponderOptions, EchoStats, EchoKind } from '@wintun-ts/adapter/packet';
export type { BenchResult, BenchReport, BenchPath } from './commands/bench.js';
export type { ListedAdapter } from './commands/list.js';
export type { InterfaceCounters } from './commands/stats.js';
export type { VersionInfo } from './commands/version.js';
