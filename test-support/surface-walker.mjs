// The public-surface walker: calls every exported function, constructor and (through factories)
// instance method of a package with a table of bad values in each argument position, and checks
// that each call returns normally or throws (rejects with) a WintunError, never a TypeError or
// RangeError, never a hang, and that the object still works afterwards.
//
// How to use it (one test file per package, e.g. packages/ring/test/surface.test.ts):
//
//   /// <reference path="../../../test-support/surface-walker.d.mts" />   (first line: the types)
//   const walkerUrl = new URL('../../../test-support/surface-walker.mjs', import.meta.url).href;
//   const { walkSurface } = (await import(walkerUrl)) as SurfaceWalker.Module;
//   const report = await walkSurface({
//     packageDir: fileURLToPath(new URL('..', import.meta.url)),
//     importer: (specifier) => import(specifier),   // resolves in the package's own context
//     instances: { TunRing: { create: () => ..., check: (ring) => ..., terminal: ['close'] } },
//     staticOnly: { WintunError: 'an error value: no method takes input' },
//     goodArgs: { ringPairSize: () => [{ sendCapacity: 0x20000, receiveCapacity: 0x20000 }] },
//     skip: { someExport: 'why it cannot be called with junk' },
//   });
//   expect(report.failures).toEqual([]);
//
// Entry points come from the package.json "exports" map (every subpath but ./package.json), so a
// new export or subpath is walked by default. A class export needs an instance factory (its
// methods are then walked on a fresh instance per method) or an entry in `staticOnly` with a
// reason; otherwise the walk reports it. `goodArgs` (keyed "fn", "Class.method" or "new Class")
// gives a valid argument list: each position is then replaced by each bad value in turn, so the
// later positions are exercised too; without one, the earlier positions are left missing.
// A class's own static methods are walked as "Class.method" (goodArgs and skip use that key;
// `skip` also takes "new Class" for a constructor users cannot call, e.g. a private one).
//
// The import of this file is computed at run time because scripts/check-layers forbids a
// relative import that leaves a package; it is test support, not a layer.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The bad values: wrong types, missing, null, NaN, negative, fractional, huge, detached. */
export function badValues() {
  const detachedBuffer = new ArrayBuffer(8);
  const detachedView = new Uint8Array(detachedBuffer, 2, 4);
  structuredClone(detachedBuffer, { transfer: [detachedBuffer] });
  return [
    ['undefined', undefined],
    ['null', null],
    ['NaN', Number.NaN],
    ['-1', -1],
    ['1.5', 1.5],
    ['2**53', 2 ** 53],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ["''", ''],
    ["'x'", 'x'],
    ["'50'", '50'],
    ['true', true],
    ['{}', {}],
    ['[]', []],
    ['[null]', [null]],
    ['() => {}', () => {}],
    ['Symbol()', Symbol('bad')],
    ['10n', 10n],
    ['detached Uint8Array', detachedView],
    ['detached ArrayBuffer', detachedBuffer],
    ['Uint16Array(4)', new Uint16Array(4)],
    // Pass `instanceof Uint8Array` but are no typed array: the intrinsic getters throw a raw TypeError.
    ['Proxy(Uint8Array)', new Proxy(new Uint8Array(8), {})],
    ['fake Uint8Array', Object.create(Uint8Array.prototype)],
    ['DataView', new DataView(new ArrayBuffer(8))],
    ['Uint8Array(0x20000)', new Uint8Array(0x20000)],
    ["{ signal: 'x' }", { signal: 'x' }],
    ['{ timeout: NaN }', { timeout: Number.NaN }],
    ["{ timeout: '50' }", { timeout: '50' }],
    ['{ max: 0 }', { max: 0 }],
  ];
}

function isClass(fn) {
  return typeof fn === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(fn));
}

function describeError(error) {
  if (error === null || typeof error !== 'object') return `a thrown ${typeof error} (${String(error)})`;
  return `${error.constructor?.name ?? 'object'}: ${String(error.message ?? '').split('\n')[0]}`;
}

function isWintunError(error) {
  return error instanceof Error && error.name === 'WintunError' && typeof error.code === 'string' && error.code.startsWith('ERR_WINTUN_');
}

async function disposeResult(value) {
  if (value === null || typeof value !== 'object') return;
  try {
    if (typeof value[Symbol.asyncDispose] === 'function') await value[Symbol.asyncDispose]();
    else if (typeof value[Symbol.dispose] === 'function') value[Symbol.dispose]();
    else if (typeof value.close === 'function' && typeof value.then !== 'function') await value.close();
  } catch {
    // Disposal of a result built from junk may fail; only the call itself is judged.
  }
}

/**
 * Runs `call` and judges it: a normal return (a returned promise must settle within the timeout,
 * fulfilled or rejected with a WintunError) or a thrown WintunError passes.
 */
async function judge(label, call, timeoutMs, failures, context = {}) {
  // SURFACE_WALKER_TRACE=1 prints each call before it is made (to find a call that kills the process).
  if (process.env.SURFACE_WALKER_TRACE) process.stderr.write(`${label}\n`);
  let value;
  try {
    value = call();
  } catch (error) {
    if (!isWintunError(error)) failures.push(`${label} threw ${describeError(error)}`);
    return;
  }
  if (value !== null && typeof value === 'object' && typeof value.then === 'function') {
    let timer;
    // With a settle hook, a wait that lasts is normal: give it a short while, then settle it.
    const firstWait = context.settle ? Math.min(timeoutMs, 200) : timeoutMs;
    const hang = new Promise((resolve) => {
      timer = setTimeout(() => resolve('hang'), firstWait);
    });
    const settled = Promise.resolve(value).then(
      (v) => ({ ok: true, v }),
      (e) => ({ ok: false, e }),
    );
    let outcome = await Promise.race([settled, hang]);
    clearTimeout(timer);
    if (outcome === 'hang' && context.settle) {
      // A wait that legitimately lasts (a receive with no timeout): the factory makes it
      // finish (e.g. a packet arrives); it must then settle like any call.
      await context.settle();
      outcome = await Promise.race([settled, new Promise((resolve) => (timer = setTimeout(() => resolve('hang'), timeoutMs)))]);
      clearTimeout(timer);
    }
    if (outcome === 'hang') {
      failures.push(`${label} returned a promise that did not settle within ${timeoutMs} ms`);
      return;
    }
    if (!outcome.ok) {
      if (!isWintunError(outcome.e)) failures.push(`${label} rejected with ${describeError(outcome.e)}`);
      return;
    }
    value = outcome.v;
  }
  if (value !== context.instance) await disposeResult(value);
}

function argLists(key, fnLength, goodArgs) {
  const good = goodArgs[key]?.() ?? [];
  const positions = Math.max(fnLength, good.length, 1);
  const lists = [{ label: '()', args: [] }];
  for (let i = 0; i < positions; i++) {
    for (const [name, value] of badValues()) {
      const base = goodArgs[key]?.() ?? [];
      const args = base.slice(0, Math.max(base.length, i + 1));
      args[i] = value;
      lists.push({ label: `(arg ${i} = ${name})`, args });
    }
  }
  return lists;
}

/** Own static methods of a class (inherited statics are walked with the class that declares them). */
function staticMethodNames(cls) {
  const names = [];
  for (const key of Object.getOwnPropertyNames(cls)) {
    if (key === 'prototype' || key === 'length' || key === 'name') continue;
    const d = Object.getOwnPropertyDescriptor(cls, key);
    if (d && typeof d.value === 'function') names.push(key);
  }
  return names;
}

function methodNames(instance) {
  const names = new Set();
  for (let proto = Object.getPrototypeOf(instance); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const key of Reflect.ownKeys(proto)) {
      if (key === 'constructor') continue;
      const d = Object.getOwnPropertyDescriptor(proto, key);
      if (d && typeof d.value === 'function') names.add(key);
    }
  }
  // Plain-object instances (interfaces implemented with object literals).
  for (const key of Reflect.ownKeys(instance)) {
    const d = Object.getOwnPropertyDescriptor(instance, key);
    if (d && typeof d.value === 'function') names.add(key);
  }
  return [...names];
}

/**
 * Walks a package's public surface. Returns `{ failures, calls, walked }`: `failures` lists every
 * call that broke the contract (empty when all is well), `calls` how many calls were made,
 * `walked` the names covered (for a coverage assertion).
 */
export async function walkSurface(spec) {
  const { packageDir, importer, instances = {}, staticOnly = {}, goodArgs = {}, skip = {}, timeoutMs = 2000 } = spec;
  const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
  const subpaths = Object.keys(pkg.exports ?? { '.': './index.js' }).filter((s) => s !== './package.json');
  const failures = [];
  const walked = new Set();
  let calls = 0;
  const seen = new Set();
  const classes = new Map();
  for (const subpath of subpaths) {
    const specifier = subpath === '.' ? pkg.name : `${pkg.name}${subpath.slice(1)}`;
    const mod = await importer(specifier);
    for (const [name, value] of Object.entries(mod)) {
      if (typeof value !== 'function' || seen.has(value)) continue;
      seen.add(value);
      if (name in skip) continue;
      walked.add(name);
      if (isClass(value)) {
        classes.set(name, value);
        if (!(`new ${name}` in skip)) {
          for (const { label, args } of argLists(`new ${name}`, value.length, goodArgs)) {
            calls++;
            await judge(`${specifier}: new ${name}${label}`, () => new value(...args), timeoutMs, failures);
          }
        }
        // Static methods (factories such as Adapter.create) are entry points too.
        for (const method of staticMethodNames(value)) {
          const key = `${name}.${method}`;
          if (key in skip) continue;
          walked.add(key);
          for (const { label, args } of argLists(key, value[method].length, goodArgs)) {
            calls++;
            await judge(`${specifier}: ${key}${label}`, () => value[method](...args), timeoutMs, failures);
          }
        }
        continue;
      }
      for (const { label, args } of argLists(name, value.length, goodArgs)) {
        calls++;
        await judge(`${specifier}: ${name}${label}`, () => value(...args), timeoutMs, failures);
      }
    }
  }
  for (const [name] of classes) {
    if (!(name in instances) && !(name in staticOnly)) {
      failures.push(`class ${name} has no instance factory: add one to the surface test (or list it in staticOnly with a reason)`);
    }
  }
  for (const [name, factory] of Object.entries(instances)) {
    const probe = await factory.create();
    const methods = methodNames(probe).filter((m) => !(factory.skip && typeof m === 'string' && m in factory.skip));
    await factory.dispose?.(probe);
    for (const method of methods) {
      const instance = await factory.create();
      const key = `${name}.${String(method)}`;
      walked.add(key);
      try {
        for (const { label, args } of argLists(key, instance[method].length, goodArgs)) {
          calls++;
          await judge(`${key}${label}`, () => instance[method](...args), timeoutMs, failures, {
            instance,
            settle: factory.settle ? () => factory.settle(instance) : undefined,
          });
        }
        const terminal = factory.terminal ?? [];
        if (factory.check && !terminal.includes(method)) {
          try {
            await factory.check(instance);
          } catch (error) {
            failures.push(`${key}: the ${name} no longer works after the bad calls: ${describeError(error)}`);
          }
        }
      } finally {
        await factory.dispose?.(instance);
      }
    }
  }
  return { failures, calls, walked: [...walked] };
}
