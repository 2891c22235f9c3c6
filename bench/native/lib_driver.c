/*
 * lib_driver.c - the Wintun driver role in native code, as a shared library for bench row 7.
 *
 * On Windows the driver is kernel code, not a JavaScript worker: what a Windows user's process
 * pays is the client side only. This library plays the driver in a pthread over ring memory that
 * the JavaScript client allocated (@wintun-ts/ring's native memory, passed by address), so the
 * client (wintun-ts's ring classes or its Session, on the main thread) is measured against a
 * native producer/consumer. bench/js/native-driver.mjs loads it with koffi.
 *
 * The protocol is ring_proto.h (the same code as the C baseline, ring_bench.c). The two events
 * (Send.TailMoved = "read event", set by the driver; Receive.TailMoved = "write event", set by the
 * client when it sees Alertable) are the futex-based auto-reset event of ring_proto.h in memory
 * this library allocates; the JavaScript side sets them and waits on them through the exported
 * nd_event_* calls. The client's main thread does not block on the read event: it arms it
 * (nd_js_arm) and watches an eventfd of this library on its event loop (koffi.node.poll); the
 * driver writes that eventfd after it set the read event, only when the client armed it (one
 * exchange, so one write per arming; a driver that sets the event while nobody waits makes no
 * system call). Issue 12: this replaced a wait on libuv's pool (koffi .async, 44-55 us p50 on the
 * bench machine) by an epoll wake-up (15-23 us), the fastest way into a Node event loop measured
 * by bench/js/wake-probe.mjs.
 *
 * Driver modes (nd_start):
 *   0 tp-send  produce `batch` packets of `size` bytes per publication into the Send ring, retry
 *              (yield) while full, set the read event on every Tail move, until stopped.
 *   1 tp-recv  consume the Receive ring (validate, read one byte, release), count packets; when
 *              empty spin 100 us, then the Alertable handshake and a wait on the write event.
 *   2 wk-send  `iters` packets of 64 B, one every 200-700 us, each carrying its publication time
 *              (CLOCK_MONOTONIC ns as a little-endian double at payload offset 0).
 *   3 wk-recv  the tp-recv consumer, idle between packets; for each packet the latency from the
 *              double at payload offset 8 (stamped by the client just before it commits) to the
 *              moment the driver holds the packet, kept for nd_latencies.
 * Every wait is bounded (20 ms), every loop checks the stop flag, nd_stop joins the thread.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>

#include "ring_proto.h"

#define EXPORT __attribute__((visibility("default")))

typedef struct {
  ring_t send, recv;
  event_t read_ev, write_ev;
  int read_efd;            /* eventfd the client's event loop watches for the read event */
  _Atomic int js_armed;    /* 1 while the client waits on read_efd (nd_js_arm) */
  _Atomic int stop;
  _Atomic int running;
  _Atomic uint64_t count;
  _Atomic int error;
  int mode;
  uint32_t size, batch, iters;
  double *lat;
  _Atomic uint32_t nlat;
  pthread_t th;
} nd_ctl;

static uint8_t SRC[65536];

/* After the read event was set (sp_publish): wake the client's event loop if it armed the event.
   The set's seq_cst store precedes this seq_cst load; nd_js_arm stores js_armed before it loads the
   event's state: one of the two sides sees the other (no lost wake-up). */
static inline void js_wake(nd_ctl *x) {
  if (atomic_load(&x->js_armed) && atomic_exchange(&x->js_armed, 0)) {
    uint64_t one = 1;
    if (write(x->read_efd, &one, 8) != 8) atomic_store(&x->error, -101);
  }
}

static void *drive(void *arg) {
  nd_ctl *x = arg;
  switch (x->mode) {
  case 0: { /* tp-send */
    send_producer p = { x->send, 0, &x->read_ev };
    while (!atomic_load_explicit(&x->stop, memory_order_relaxed)) {
      for (uint32_t i = 0; i < x->batch; i++) {
        int64_t off;
        while ((off = sp_reserve(&p, x->size)) == R_FULL) {
          sp_publish(&p);
          js_wake(x);
          if (atomic_load_explicit(&x->stop, memory_order_relaxed)) return NULL;
          sched_yield();
        }
        if (off < 0) { atomic_store(&x->error, (int)off); return NULL; }
        memcpy(p.g.r->data + off, SRC, x->size);
        sp_commit(&p, (uint32_t)off, x->size);
      }
      sp_publish(&p);
      js_wake(x);
      atomic_fetch_add_explicit(&x->count, x->batch, memory_order_relaxed);
    }
    return NULL;
  }
  case 1:
  case 3: { /* tp-recv, wk-recv */
    recv_consumer c = { x->recv, 0, 0, 0, 0 };
    uint64_t n = 0;
    while (!atomic_load_explicit(&x->stop, memory_order_relaxed)) {
      int64_t off = rc_next(&c);
      if (off == R_EMPTY) {
        atomic_store_explicit(&x->count, n, memory_order_relaxed);
        rc_idle(&c, &x->write_ev, &x->stop);
        continue;
      }
      if (off < 0) { atomic_store(&x->error, (int)off); return NULL; }
      if (x->mode == 3) {
        double t1 = (double)now_ns(), t0;
        memcpy(&t0, c.g.r->data + off + 8, 8);
        uint32_t k = atomic_load_explicit(&x->nlat, memory_order_relaxed);
        if (k < x->iters) {
          x->lat[k] = t1 - t0;
          atomic_store_explicit(&x->nlat, k + 1, memory_order_release);
        }
      } else {
        SRC[1] += c.g.r->data[off]; /* read one byte of the packet (kept observable) */
      }
      rc_release(&c);
      if ((++n & 31) == 0 || x->mode == 3) atomic_store_explicit(&x->count, n, memory_order_relaxed);
    }
    return NULL;
  }
  case 2: { /* wk-send */
    send_producer p = { x->send, 0, &x->read_ev };
    unsigned seed = 12345;
    for (uint32_t i = 0; i < x->iters && !atomic_load(&x->stop); i++) {
      long us = 200 + (long)(rand_r(&seed) % 500);
      struct timespec ts = { 0, us * 1000 };
      nanosleep(&ts, NULL);
      int64_t off = sp_reserve(&p, 64);
      if (off < 0) { atomic_store(&x->error, (int)off); return NULL; }
      memcpy(p.g.r->data + off, SRC, 64);
      double t0 = (double)now_ns();
      memcpy(p.g.r->data + off, &t0, 8);
      sp_commit(&p, (uint32_t)off, 64);
      sp_publish(&p);
      js_wake(x);
      atomic_fetch_add(&x->count, 1);
    }
    return NULL;
  }
  default:
    atomic_store(&x->error, -100);
    return NULL;
  }
}

static int valid_cap(uint32_t cap) { return cap >= 0x20000u && cap <= 0x4000000u && (cap & (cap - 1)) == 0; }

/* Starts the driver thread over the two rings (each: the TUN_RING header followed by capacity +
   0x10000 bytes of data). Returns a handle for the other calls, or NULL on bad arguments. */
EXPORT void *nd_start(void *send_ring, uint32_t send_cap, void *recv_ring, uint32_t recv_cap, int mode, uint32_t size,
                      uint32_t batch, uint32_t iters) {
  if (!send_ring || !recv_ring || !valid_cap(send_cap) || !valid_cap(recv_cap) || mode < 0 || mode > 3) return NULL;
  if ((mode == 0 || mode == 1) && (size < 20 || size > MAX_IP || batch < 1 || batch > 4096)) return NULL;
  nd_ctl *x = calloc(1, sizeof *x);
  if (!x) return NULL;
  for (size_t i = 0; i < sizeof SRC; i++) SRC[i] = (uint8_t)(i * 31u + 7u);
  SRC[0] = 0x45;
  x->send = (ring_t){ send_ring, send_cap, send_cap - 1 };
  x->recv = (ring_t){ recv_ring, recv_cap, recv_cap - 1 };
  x->mode = mode;
  x->size = size;
  x->batch = batch;
  x->iters = iters;
  x->read_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (x->read_efd < 0) { free(x); return NULL; }
  if (mode == 3) {
    x->lat = calloc(iters ? iters : 1, sizeof(double));
    if (!x->lat) { close(x->read_efd); free(x); return NULL; }
  }
  atomic_store(&x->running, 1);
  if (pthread_create(&x->th, NULL, drive, x) != 0) {
    close(x->read_efd);
    free(x->lat);
    free(x);
    return NULL;
  }
  return x;
}

/* Packets produced (tp-send, wk-send) or consumed (tp-recv, wk-recv) so far. */
EXPORT double nd_count(void *h) { return (double)atomic_load_explicit(&((nd_ctl *)h)->count, memory_order_relaxed); }
/* 0, or the ring error code that stopped the driver thread. */
EXPORT int nd_error(void *h) { return atomic_load(&((nd_ctl *)h)->error); }
/* The read event (Send.TailMoved, set by the driver) and the write event (Receive.TailMoved, set by the client). */
EXPORT void *nd_read_event(void *h) { return &((nd_ctl *)h)->read_ev; }
EXPORT void *nd_write_event(void *h) { return &((nd_ctl *)h)->write_ev; }

/* Stops and joins the driver thread (every wait in it is bounded, so this returns). Idempotent. */
EXPORT void nd_stop(void *h) {
  nd_ctl *x = h;
  if (!atomic_exchange(&x->running, 0)) return;
  atomic_store(&x->stop, 1);
  event_set(&x->write_ev);
  pthread_join(x->th, NULL);
}

/* Copies up to `max` latency samples (ns, wk-recv) into `out`; returns how many. */
EXPORT int nd_latencies(void *h, double *out, int max) {
  nd_ctl *x = h;
  uint32_t n = atomic_load_explicit(&x->nlat, memory_order_acquire);
  if (n > (uint32_t)max) n = (uint32_t)max;
  if (x->lat && n) memcpy(out, x->lat, n * sizeof(double));
  return (int)n;
}

/* Frees the handle (stops the thread first). The ring memory belongs to the caller. */
EXPORT void nd_free(void *h) {
  if (!h) return;
  nd_stop(h);
  close(((nd_ctl *)h)->read_efd);
  free(((nd_ctl *)h)->lat);
  free(h);
}

/* The events, for the JavaScript side: set, poll (consume if signalled), bounded wait. */
EXPORT void nd_event_set(void *e) { event_set(e); }
EXPORT int nd_event_try(void *e) {
  int one = 1;
  return atomic_compare_exchange_strong(&((event_t *)e)->state, &one, 0);
}
/* Returns 1 when a signal was consumed, 0 after `timeout_ms` (at most 1000). */
EXPORT int nd_event_wait(void *e, uint32_t timeout_ms) {
  if (timeout_ms > 1000) timeout_ms = 1000;
  return event_wait(e, (uint64_t)timeout_ms * 1000000ull);
}
/* The client's event-loop wait on the read event. nd_js_arm: returns 1 when the event was signalled
   (the signal is consumed, nothing armed), else arms it (the driver's next set writes the eventfd)
   and returns 0. nd_js_disarm: ends an arming (a wait that timed out). nd_js_reset: empties the
   eventfd (call before looking at the event again, so that a later write re-arms the poll). */
EXPORT int nd_read_efd(void *h) { return ((nd_ctl *)h)->read_efd; }
/* The armed flag itself (an int), for a client that arms with atomics on a view of it (as nd_js_arm). */
EXPORT void *nd_js_armed(void *h) { return &((nd_ctl *)h)->js_armed; }
EXPORT int nd_js_arm(void *h) {
  nd_ctl *x = h;
  atomic_store(&x->js_armed, 1);
  int one = 1;
  if (atomic_compare_exchange_strong(&x->read_ev.state, &one, 0)) {
    atomic_store(&x->js_armed, 0);
    return 1;
  }
  return 0;
}
EXPORT void nd_js_disarm(void *h) { atomic_store(&((nd_ctl *)h)->js_armed, 0); }
EXPORT void nd_js_reset(void *h) {
  uint64_t v;
  if (read(((nd_ctl *)h)->read_efd, &v, 8) < 0) { /* EAGAIN: already empty */ }
}
/* CLOCK_MONOTONIC in ns (the clock of every timestamp here; process.hrtime reads the same clock). */
EXPORT double nd_now_ns(void) { return (double)now_ns(); }
