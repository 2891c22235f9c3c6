/** Types of surface-walker.mjs; see the comment at the top of that file for how to use it. */
export interface InstanceFactory<T = any> {
  /** Builds a fresh instance of what users get (a new one per walked method). */
  create(): T | Promise<T>;
  /** Proves the instance still works after the bad calls (throw or reject when it does not). */
  check?(instance: T): unknown;
  /** Releases the instance. */
  dispose?(instance: T): unknown;
  /**
   * Makes a call that legitimately waits (a receive without timeout) finish, e.g. by delivering a
   * packet; without it a promise pending after `timeoutMs` is a failure (a hang).
   */
  settle?(instance: T): unknown;
  /** Methods that end the instance (close, free...): no `check` after walking them. */
  terminal?: readonly (string | symbol)[];
  /** Methods not walked, each with the reason. */
  skip?: Readonly<Record<string, string>>;
}
export interface SurfaceSpec {
  packageDir: string;
  importer(specifier: string): Promise<Record<string, unknown>>;
  instances?: Readonly<Record<string, InstanceFactory>>;
  staticOnly?: Readonly<Record<string, string>>;
  goodArgs?: Readonly<Record<string, () => unknown[]>>;
  skip?: Readonly<Record<string, string>>;
  timeoutMs?: number;
}
export interface SurfaceReport {
  failures: string[];
  calls: number;
  walked: string[];
}
export function badValues(): [string, unknown][];
export function walkSurface(spec: SurfaceSpec): Promise<SurfaceReport>;

/**
 * The same types under a global name, for the packages' surface tests: scripts/check-layers
 * forbids an import (even a type import) that leaves a package, so they load the walker by a
 * computed URL and reference these types with `/// <reference path=...>`.
 */
declare global {
  namespace SurfaceWalker {
    type Factory<T = any> = InstanceFactory<T>;
    type Spec = SurfaceSpec;
    type Report = SurfaceReport;
    interface Module {
      badValues(): [string, unknown][];
      walkSurface(spec: SurfaceSpec): Promise<SurfaceReport>;
    }
  }
}
