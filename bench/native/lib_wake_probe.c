/*
 * lib_wake_probe.c - a native waker for bench/js/wake-probe.mjs: how fast can another thread wake
 * Node's main thread, per mechanism, with no JavaScript on the waking side?
 *
 * wp_start starts a pthread that, `iters` times, sleeps 200-700 us, stamps CLOCK_MONOTONIC (ns,
 * kept for wp_stamp) and wakes the main thread by `mode`:
 *   0 eventfd   write(efd, 1)                      (the main thread watches efd with koffi.node.poll)
 *   1 pipe      write(pipe[1], 1 byte)             (same, on the read end)
 *   2 callback  calls the koffi-registered callback (koffi relays it to the main thread's loop)
 *   3 futex     sets a futex event that the main thread waits on through a koffi .async call
 *               (libuv's pool: the path of bench row 7's NativeEvent)
 *   4 c-floor   sets a futex event a second C thread waits on; that thread records the latency
 *               (a thread blocked in the kernel: the floor to compare against)
 * Every wait is bounded; wp_free joins the threads and closes the fds.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sys/eventfd.h>

#include "ring_proto.h"

#define EXPORT __attribute__((visibility("default")))

typedef struct {
  int mode;
  uint32_t iters;
  int efd, pfd[2];
  void (*cb)(void);
  event_t ev, ack;
  _Atomic int stop;
  _Atomic double stamp;
  double *lat;
  _Atomic uint32_t nlat;
  pthread_t th, th2;
  int has_th2;
} wp_ctl;

static void *floor_waiter(void *arg) {
  wp_ctl *x = arg;
  while (!atomic_load(&x->stop)) {
    if (!event_wait(&x->ev, 20000000ull)) continue;
    double t1 = (double)now_ns();
    uint32_t k = atomic_load(&x->nlat);
    if (k < x->iters) { x->lat[k] = t1 - atomic_load(&x->stamp); atomic_store(&x->nlat, k + 1); }
  }
  return NULL;
}

static void *waker(void *arg) {
  wp_ctl *x = arg;
  unsigned seed = 12345;
  for (uint32_t i = 0; i < x->iters && !atomic_load(&x->stop); i++) {
    long us = 200 + (long)(rand_r(&seed) % 500);
    struct timespec ts = { 0, us * 1000 };
    nanosleep(&ts, NULL);
    atomic_store(&x->stamp, (double)now_ns());
    switch (x->mode) {
    case 0: { uint64_t one = 1; if (write(x->efd, &one, 8) != 8) return NULL; break; }
    case 1: { char c = 1; if (write(x->pfd[1], &c, 1) != 1) return NULL; break; }
    case 2: x->cb(); break;
    default: event_set(&x->ev); break;
    }
  }
  return NULL;
}

EXPORT void *wp_start(int mode, uint32_t iters, void (*cb)(void)) {
  wp_ctl *x = calloc(1, sizeof *x);
  if (!x) return NULL;
  x->mode = mode;
  x->iters = iters;
  x->cb = cb;
  x->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (pipe2(x->pfd, O_NONBLOCK | O_CLOEXEC) != 0) x->pfd[0] = x->pfd[1] = -1;
  x->lat = calloc(iters ? iters : 1, sizeof(double));
  if (mode == 4) { x->has_th2 = 1; pthread_create(&x->th2, NULL, floor_waiter, x); }
  pthread_create(&x->th, NULL, waker, x);
  return x;
}
EXPORT int wp_efd(void *h) { return ((wp_ctl *)h)->efd; }
EXPORT int wp_pipe(void *h) { return ((wp_ctl *)h)->pfd[0]; }
EXPORT double wp_stamp(void *h) { return atomic_load(&((wp_ctl *)h)->stamp); }
/* Empties the eventfd / pipe (non-blocking). */
EXPORT void wp_drain(void *h) {
  wp_ctl *x = h;
  char buf[64];
  if (x->mode == 0) { uint64_t v; if (read(x->efd, &v, 8)) {} }
  else if (x->mode == 1) { while (read(x->pfd[0], buf, sizeof buf) > 0) {} }
}
/* Bounded wait on the futex event (mode 3, through koffi's .async). */
EXPORT int wp_wait(void *h, uint32_t ms) { return event_wait(&((wp_ctl *)h)->ev, (uint64_t)ms * 1000000ull); }
EXPORT int wp_latencies(void *h, double *out, int max) {
  wp_ctl *x = h;
  uint32_t n = atomic_load(&x->nlat);
  if (n > (uint32_t)max) n = (uint32_t)max;
  memcpy(out, x->lat, n * sizeof(double));
  return (int)n;
}
EXPORT void wp_free(void *h) {
  wp_ctl *x = h;
  atomic_store(&x->stop, 1);
  event_set(&x->ev);
  pthread_join(x->th, NULL);
  if (x->has_th2) pthread_join(x->th2, NULL);
  close(x->efd);
  if (x->pfd[0] >= 0) { close(x->pfd[0]); close(x->pfd[1]); }
  free(x->lat);
  free(x);
}
