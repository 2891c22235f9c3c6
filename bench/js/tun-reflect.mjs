// The wintun-ts side of the Linux TUN end-to-end row (row 4): the same job as
// bench/native/tun_reflector.c, through the public API: Adapter.create -> startSession ->
// receive (zero-copy, receiveInto) -> swap IPv4/IPv6 src/dst and UDP ports in place -> sendWith.
// Same command line and output lines as the C reflector:
//   node bench/js/tun-reflect.mjs --name DEV [--seconds S] [--io inline|workers]
//                                                            (prints a "ready" line, then stats)
//   --io: where the session's driver side runs (Adapter.startSession's `io`); default: the
//   library's default (inline).
//   node bench/js/tun-reflect.mjs --probe                    (prints {} or {"skipped": reason})
// bench/run.mjs moves the device into its namespace and configures it after the "ready" line.

const args = process.argv.slice(2);
const probe = args.includes('--probe');
const name = valueOf('--name');
const seconds = Math.min(600, Math.max(0.1, Number(valueOf('--seconds') ?? 10)));
const io = valueOf('--io');
function valueOf(flag) {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}
function say(o) {
  process.stdout.write(`${JSON.stringify(o)}\n`);
}

let adapterMod;
try {
  adapterMod = await import('@wintun-ts/adapter');
} catch (e) {
  say({ skipped: `@wintun-ts/adapter is not built (${String(e?.message ?? e).split('\n')[0]})` });
  process.exit(0);
}
const { Adapter } = adapterMod;
if (typeof Adapter?.create !== 'function') {
  say({ skipped: '@wintun-ts/adapter has no Adapter.create' });
  process.exit(0);
}
try {
  await Adapter.list();
} catch (e) {
  say({ skipped: `@wintun-ts/adapter has no working Linux backend yet (${e?.code ?? ''} ${String(e?.message ?? e).split('\n')[0]})` });
  process.exit(0);
}
if (probe) {
  say({});
  process.exit(0);
}
if (!name) {
  console.error('usage: tun-reflect.mjs --name DEV [--seconds S] [--io inline|workers] | --probe');
  process.exit(1);
}

let stop = false;
process.on('SIGTERM', () => (stop = true));
process.on('SIGINT', () => (stop = true));
const hardStop = setTimeout(() => (stop = true), seconds * 1000);

const adapter = await Adapter.create({ name });
const session = await adapter.startSession({ capacity: 0x400000, ...(io === undefined ? {} : { io }) });
say({ ready: true, name: adapter.name });

// sendWith's `more` flag (batch publication) when this session build has it.
const batched = typeof session.flushSends === 'function';
let rx = 0, tx = 0, dropped = 0, full = 0, first = 0, last = 0;
let sessionStats = null;
// the packet being reflected, for the hoisted fill function (no closure per packet)
let srcBytes = null, srcOff = 0;
function fill(bytes, offset, length) {
  bytes.set(srcBytes.subarray(srcOff, srcOff + length), offset);
}
function swap(b, o, a, c, n) {
  for (let i = 0; i < n; i++) {
    const t = b[o + a + i];
    b[o + a + i] = b[o + c + i];
    b[o + c + i] = t;
  }
}
function reflect(bytes, offset, length) {
  rx++;
  if (first === 0) first = performance.now();
  const v = bytes[offset] >> 4;
  let l4, proto;
  if (v === 4 && length >= 20) {
    l4 = (bytes[offset] & 15) * 4;
    proto = bytes[offset + 9];
    swap(bytes, offset, 12, 16, 4);
  } else if (v === 6 && length >= 40) {
    l4 = 40;
    proto = bytes[offset + 6];
    swap(bytes, offset, 8, 24, 16);
  } else {
    dropped++;
    return;
  }
  if (proto !== 17 || length < l4 + 8) {
    dropped++;
    return;
  }
  swap(bytes, offset + l4, 0, 2, 2);
  srcBytes = bytes;
  srcOff = offset;
  // `more`: publish once per receiveInto batch (flushSends below), not once per packet.
  if (session.sendWith(length, fill, batched)) {
    tx++;
  } else {
    full++;
  }
}

try {
  while (!stop) {
    try {
      await session.receiveInto(reflect, { max: 256, timeout: 100 });
      if (batched) session.flushSends();
      last = performance.now();
    } catch (e) {
      if (e?.code === 'ERR_WINTUN_TIMEOUT') continue;
      if (e?.code === 'ERR_WINTUN_EOF') break;
      throw e;
    }
  }
} finally {
  clearTimeout(hardStop);
  // the session's own counters (spin policy, wake-ups), read before close
  const st = session.stats ?? {};
  const ds = session.driverStats ?? {};
  sessionStats = {
    spins: st.spins, spinHits: st.spinHits, wakeups: st.wakeups, waitTimeouts: st.waitTimeouts, writeSignals: st.writeSignals,
    consumerSpins: ds.consumerSpins, consumerSpinHits: ds.consumerSpinHits,
  };
  await session.close().catch(() => {});
  await adapter.close().catch(() => {}); // the device may already be gone with its namespace
}
say({
  impl: 'wintun-ts', io: io ?? 'default', row: 'tun-reflector', read: rx, written: tx, dropped, ringFull: full,
  activeSeconds: first && last > first ? Math.round(last - first) / 1000 : 0, sessionStats,
});
process.exit(0);
