export interface HuntOptions {
  createTestDriver?: unknown;
  alternations: number;
  driverMode?: 'fenced' | 'old-driver';
  guard?: boolean;
  driverWaitMs?: number;
  sessionWaitMs?: number;
  raceWindowUs?: number;
  sessionSpin?: boolean;
  onProgress?: (n: number, ms: number) => void;
}
export interface HuntResult {
  alternations: number;
  seconds: number;
  packetsEachWay: number;
  sessionMissedWakeups: number;
  sessionWakeups: number;
  sessionWaitTimeouts: number;
  sessionSpins: number;
  driverMissedWakeups: number;
  driverWaits: number;
  driverWakeups: number;
  driverWaitTimeouts: number;
  writeSignals: number;
  guardResignals: number;
  roundMs: { p50: number; p99: number; p999: number; max: number };
}
export function hunt(options: HuntOptions): Promise<HuntResult>;
