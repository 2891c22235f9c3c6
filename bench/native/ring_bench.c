/*
 * ring_bench.c - native C baseline of the Wintun ring protocol, both roles, for bench/run.mjs.
 *
 * Written from the project's protocol description (docs: shared spec sections 1, 3, 4); it contains
 * no upstream code. Both rings live in ordinary process memory, the "driver" is a thread of this
 * process, and the Win32 auto-reset events are replaced by a futex-based auto-reset event.
 *
 * Modes (each prints one JSON line per measurement on stdout):
 *   throughput <send|recv> <size> <batch> <seconds> [capacity] [deferred 0|1]
 *       two pthreads. send = driver -> user over the Send ring (driver thread produces, main thread
 *       consumes with the release bit); recv = user -> driver over the Receive ring (main thread
 *       allocates/commits, driver thread consumes with spin-then-Alertable waiting).
 *   usercost <rx|rxcopy|tx|rxb|txb> <size> <seconds> [capacity] [lock 0|1]
 *       one thread; the driver role and the user role alternate in batches of 32 and only the
 *       user-role calls are timed. lock = 1 is the wintun.dll-shaped variant: every user call
 *       (receive, release, allocate, send) is an out-of-line call (as a DLL export is) that takes
 *       and drops a mutex around its work, exactly where wintun.dll takes its CRITICAL_SECTION
 *       (spec 4.3-4.6: the Send-ring lock around receive and release, the Receive-ring lock around
 *       allocate and send). wintun.dll has no batch forms, so with lock = 1 rxb/txb are refused.
 *   wakeup <send|recv> <iterations> [capacity]
 *       idle consumer, one packet at random 200-700 us intervals; latency from just before the
 *       producer publishes until the consumer holds the packet. p50/p90/p99/max in ns.
 *
 * Build: gcc -O2 -pthread -o ring_bench ring_bench.c   (includes ring_proto.h, the protocol itself)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <pthread.h>
#include <unistd.h>

#include "ring_proto.h"

static void ring_init(ring_t *g, uint32_t cap) {
  size_t bytes = (size_t)cap + HDR + TRAILING;
  void *p = NULL;
  if (posix_memalign(&p, 4096, bytes) != 0) { perror("posix_memalign"); exit(2); }
  memset(p, 0, bytes);
  g->r = p;
  g->cap = cap;
  g->mask = cap - 1;
}

/* ---------------------------------------------------------------- wintun.dll-shaped calls ----- */

/* wintun.dll keeps one CRITICAL_SECTION per ring (spin count 0x10000) and holds it for the whole of
   each session call: WintunReceivePacket and WintunReleaseReceivePacket under the Send-ring lock,
   WintunAllocateSendPacket and WintunSendPacket under the Receive-ring lock (spec 4.1, 4.3-4.6).
   A pthread mutex stands in for the CRITICAL_SECTION (adaptive: spins before it sleeps, as a
   critical section with a spin count does; uncontended here, one atomic RMW to enter and one to
   leave), and each call is out of line and reached through a function pointer, as an import of a
   DLL export is. The work inside is the same as the lock-free functions above. */
typedef struct { send_reader s; pthread_mutex_t lock; } dll_send_side;
typedef struct { recv_writer w; pthread_mutex_t lock; event_t *ev; } dll_recv_side;

static void dll_lock_init(pthread_mutex_t *m) {
  pthread_mutexattr_t a;
  pthread_mutexattr_init(&a);
#ifdef PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP
  pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ADAPTIVE_NP);
#endif
  pthread_mutex_init(m, &a);
  pthread_mutexattr_destroy(&a);
}

__attribute__((noinline)) static int64_t dll_receive_packet(dll_send_side *d) {
  pthread_mutex_lock(&d->lock);
  int64_t off = sr_receive(&d->s);
  pthread_mutex_unlock(&d->lock);
  return off;
}
__attribute__((noinline)) static void dll_release_receive_packet(dll_send_side *d, uint32_t payload) {
  pthread_mutex_lock(&d->lock);
  sr_release(&d->s, payload);
  pthread_mutex_unlock(&d->lock);
}
__attribute__((noinline)) static int64_t dll_allocate_send_packet(dll_recv_side *d, uint32_t size) {
  pthread_mutex_lock(&d->lock);
  int64_t off = rw_allocate(&d->w, size);
  pthread_mutex_unlock(&d->lock);
  return off;
}
/* commits, publishes, and sets the driver's event when it is alertable, all under the lock */
__attribute__((noinline)) static void dll_send_packet(dll_recv_side *d, uint32_t payload) {
  pthread_mutex_lock(&d->lock);
  if (rw_commit(&d->w, payload)) event_set(d->ev);
  pthread_mutex_unlock(&d->lock);
}
/* the import table: calls go through pointers the compiler cannot see through */
static int64_t (*volatile imp_receive)(dll_send_side *) = dll_receive_packet;
static void (*volatile imp_release)(dll_send_side *, uint32_t) = dll_release_receive_packet;
static int64_t (*volatile imp_allocate)(dll_recv_side *, uint32_t) = dll_allocate_send_packet;
static void (*volatile imp_send)(dll_recv_side *, uint32_t) = dll_send_packet;

/* ---------------------------------------------------------------- helpers --------------------- */

static uint8_t SRC[65536];
static void init_src(void) {
  for (size_t i = 0; i < sizeof SRC; i++) SRC[i] = (uint8_t)(i * 31u + 7u);
  SRC[0] = 0x45; /* IPv4 version nibble so the driver consumer classifies it as IP */
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static volatile uint32_t sink;

/* ---------------------------------------------------------------- throughput ------------------ */

typedef struct {
  ring_t g;
  event_t ev;
  uint32_t size, batch;
  _Atomic int stop;
  _Atomic uint64_t count; /* packets consumed (consumer thread) */
} tp_ctx;

static void *tp_send_driver(void *arg) {
  tp_ctx *x = arg;
  send_producer p = { x->g, 0, &x->ev };
  while (!atomic_load_explicit(&x->stop, memory_order_relaxed)) {
    for (uint32_t i = 0; i < x->batch; i++) {
      int64_t off;
      while ((off = sp_reserve(&p, x->size)) == R_FULL) {
        sp_publish(&p);
        if (atomic_load_explicit(&x->stop, memory_order_relaxed)) return NULL;
        sched_yield();
      }
      if (off < 0) return NULL;
      memcpy(p.g.r->data + off, SRC, x->size);
      sp_commit(&p, (uint32_t)off, x->size);
    }
    sp_publish(&p);
  }
  return NULL;
}

static void *tp_recv_driver(void *arg) {
  tp_ctx *x = arg;
  recv_consumer c = { x->g, 0, 0, 0, 0 };
  uint64_t n = 0;
  while (!atomic_load_explicit(&x->stop, memory_order_relaxed)) {
    int64_t off = rc_next(&c);
    if (off == R_EMPTY) {
      atomic_store_explicit(&x->count, n, memory_order_relaxed);
      rc_idle(&c, &x->ev, &x->stop);
      continue;
    }
    if (off < 0) { fprintf(stderr, "recv driver: ring error %lld\n", (long long)off); exit(3); }
    sink += c.g.r->data[off];
    rc_release(&c);
    if ((++n & 31) == 0) atomic_store_explicit(&x->count, n, memory_order_relaxed);
  }
  return NULL;
}

static void mode_throughput(const char *dir, uint32_t size, uint32_t batch, double seconds, uint32_t cap, int deferred) {
  tp_ctx x;
  memset(&x, 0, sizeof x);
  ring_init(&x.g, cap);
  x.size = size;
  x.batch = batch;
  int send = strcmp(dir, "send") == 0;
  pthread_t th;
  pthread_create(&th, NULL, send ? tp_send_driver : tp_recv_driver, &x);
  uint64_t warm = 100000000ull, dur = (uint64_t)(seconds * 1e9);
  uint64_t start = now_ns(), t0 = 0, c0 = 0, t1 = 0, c1 = 0;
  int measuring = 0;
  if (send) {
    send_reader s = { x.g, 0, 0, 0, 0 };
    uint32_t held[256];
    uint64_t n = 0;
    for (;;) {
      uint32_t k = 0;
      while (k < batch) {
        int64_t off = sr_receive(&s);
        if (off == R_EMPTY) {
          if (k > 0) break;
          /* brief spin, then wait on the Send event */
          int spins = 0;
          while ((off = sr_receive(&s)) == R_EMPTY && ++spins < 64) cpu_relax();
          if (off == R_EMPTY) { event_wait(&x.ev, 5000000ull); continue; }
        }
        if (off < 0) { fprintf(stderr, "send reader: ring error %lld\n", (long long)off); exit(3); }
        sink += s.g.r->data[off];
        held[k++] = (uint32_t)off;
      }
      if (deferred) {
        for (uint32_t i = 0; i < k; i++) sr_release_deferred(&s, held[i]);
        sr_publish_head(&s);
      } else {
        for (uint32_t i = 0; i < k; i++) sr_release(&s, held[i]);
      }
      n += k;
      uint64_t t = now_ns();
      if (!measuring && t - start >= warm) { measuring = 1; t0 = t; c0 = n; }
      else if (measuring && t - t0 >= dur) { t1 = t; c1 = n; break; }
    }
  } else {
    recv_writer w = { x.g, 0, 0, 0 };
    uint32_t held[256];
    uint64_t iter = 0;
    for (;;) {
      for (uint32_t i = 0; i < batch; i++) {
        int64_t off;
        while ((off = rw_allocate(&w, size)) == R_FULL) sched_yield();
        if (off < 0) { fprintf(stderr, "recv writer: ring error\n"); exit(3); }
        memcpy(w.g.r->data + off, SRC, size);
        held[i] = (uint32_t)off;
      }
      if (deferred) {
        for (uint32_t i = 0; i < batch; i++) rw_commit_deferred(&w, held[i]);
        if (rw_publish(&w)) event_set(&x.ev);
      } else {
        for (uint32_t i = 0; i < batch; i++)
          if (rw_commit(&w, held[i])) event_set(&x.ev);
      }
      iter += batch;
      if (iter >= 256) {
        iter = 0;
        uint64_t t = now_ns();
        uint64_t n = atomic_load_explicit(&x.count, memory_order_relaxed);
        if (!measuring && t - start >= warm) { measuring = 1; t0 = t; c0 = n; }
        else if (measuring && t - t0 >= dur) { t1 = t; c1 = n; break; }
      }
    }
  }
  atomic_store(&x.stop, 1);
  event_set(&x.ev);
  pthread_join(th, NULL);
  double secs = (double)(t1 - t0) / 1e9;
  double pps = (double)(c1 - c0) / secs;
  printf("{\"impl\":\"c\",\"row\":\"throughput\",\"dir\":\"%s\",\"size\":%u,\"batch\":%u,\"deferred\":%s,\"capacity\":%u,"
         "\"packets\":%llu,\"seconds\":%.4f,\"pps\":%.0f,\"gbps\":%.4f}\n",
         dir, size, batch, deferred ? "true" : "false", cap, (unsigned long long)(c1 - c0), secs, pps, pps * size * 8 / 1e9);
  fflush(stdout);
}

/* ---------------------------------------------------------------- usercost -------------------- */

static void mode_usercost(const char *op, uint32_t size, double seconds, uint32_t cap, int lock) {
  enum { B = 32, ROUNDS = 5 };
  ring_t g;
  ring_init(&g, cap);
  event_t ev = { 0, 0 };
  static uint8_t out[65536];
  /* rxb / txb: the batch forms (release without the Head store / commit without publishing, one
     publication per batch of 32) */
  int batched = strcmp(op, "rxb") == 0 || strcmp(op, "txb") == 0;
  int tx = strcmp(op, "tx") == 0 || strcmp(op, "txb") == 0, copy = strcmp(op, "rxcopy") == 0;
  send_producer p = { g, 0, &ev };
  send_reader s = { g, 0, 0, 0, 0 };
  ring_t g2;
  ring_init(&g2, cap);
  recv_writer w = { g2, 0, 0, 0 };
  recv_consumer c = { g2, 0, 0, 0, 0 };
  if (lock && batched) { fprintf(stderr, "usercost: wintun.dll has no batch form (%s with lock)\n", op); exit(1); }
  dll_send_side ds = { { g, 0, 0, 0, 0 } };
  dll_recv_side dr = { { g2, 0, 0, 0 } };
  dr.ev = &ev;
  dll_lock_init(&ds.lock);
  dll_lock_init(&dr.lock);
  double best = 1e30;
  uint64_t total_packets = 0;
  uint64_t round_ns = (uint64_t)(seconds * 1e9 / ROUNDS);
  for (int round = -1; round < ROUNDS; round++) { /* round -1 = warm-up */
    uint64_t timed = 0, packets = 0, wall0 = now_ns();
    while (now_ns() - wall0 < (round < 0 ? 50000000ull : round_ns)) {
      for (int rep = 0; rep < 16; rep++) {
        if (!tx) {
          for (int i = 0; i < B; i++) {
            int64_t off = sp_reserve(&p, size);
            memcpy(g.r->data + off, SRC, size);
            sp_commit(&p, (uint32_t)off, size);
          }
          sp_publish(&p);
          event_reset(&ev);
          uint64_t t0 = now_ns();
          if (lock) {
            for (int i = 0; i < B; i++) {
              int64_t off = imp_receive(&ds);
              if (copy) {
                memcpy(out, g.r->data + off, ds.s.last_size);
                __asm__ volatile("" : : "r"(out) : "memory");
              }
              else sink += g.r->data[off];
              imp_release(&ds, (uint32_t)off);
            }
          } else {
            for (int i = 0; i < B; i++) {
              int64_t off = sr_receive(&s);
              if (copy) {
                memcpy(out, g.r->data + off, s.last_size);
                __asm__ volatile("" : : "r"(out) : "memory"); /* the copy must happen: out is never read */
              }
              else sink += g.r->data[off];
              if (batched) sr_release_deferred(&s, (uint32_t)off);
              else sr_release(&s, (uint32_t)off);
            }
            if (batched) sr_publish_head(&s);
          }
          timed += now_ns() - t0;
        } else {
          uint64_t t0 = now_ns();
          if (lock) {
            for (int i = 0; i < B; i++) {
              int64_t off = imp_allocate(&dr, size);
              memcpy(g2.r->data + off, SRC, size);
              imp_send(&dr, (uint32_t)off);
            }
          } else {
            for (int i = 0; i < B; i++) {
              int64_t off = rw_allocate(&w, size);
              memcpy(g2.r->data + off, SRC, size);
              if (batched) rw_commit_deferred(&w, (uint32_t)off);
              else if (rw_commit(&w, (uint32_t)off)) event_set(&ev);
            }
            if (batched && rw_publish(&w)) event_set(&ev);
          }
          timed += now_ns() - t0;
          for (int i = 0; i < B; i++) {
            int64_t off = rc_next(&c);
            sink += g2.r->data[off];
            rc_release(&c);
          }
        }
        packets += B;
      }
    }
    if (round >= 0) {
      double nsp = (double)timed / (double)packets;
      if (nsp < best) best = nsp;
      total_packets += packets;
    }
  }
  printf("{\"impl\":\"c\",\"row\":\"usercost\",\"op\":\"%s\",\"size\":%u,\"batch\":%d,\"lock\":%s,\"packets\":%llu,\"nsPerPacket\":%.2f}\n",
         op, size, B, lock ? "true" : "false", (unsigned long long)total_packets, best);
  pthread_mutex_destroy(&ds.lock);
  pthread_mutex_destroy(&dr.lock);
  fflush(stdout);
}

/* ---------------------------------------------------------------- wakeup ---------------------- */

typedef struct {
  ring_t g;
  event_t ev;
  int iters;
  _Atomic int stop;
  uint64_t *lat;
  _Atomic int got;
} wk_ctx;

static void sleep_gap(unsigned *seed) {
  long us = 200 + (long)(rand_r(seed) % 500);
  struct timespec ts = { 0, us * 1000 };
  nanosleep(&ts, NULL);
}

static void *wk_send_driver(void *arg) {
  wk_ctx *x = arg;
  send_producer p = { x->g, 0, &x->ev };
  unsigned seed = 12345;
  for (int i = 0; i < x->iters && !atomic_load(&x->stop); i++) {
    sleep_gap(&seed);
    int64_t off = sp_reserve(&p, 64);
    uint64_t t0 = now_ns();
    memcpy(p.g.r->data + off, &t0, 8);
    sp_commit(&p, (uint32_t)off, 64);
    sp_publish(&p);
  }
  return NULL;
}

static void *wk_recv_driver(void *arg) {
  wk_ctx *x = arg;
  recv_consumer c = { x->g, 0, 0, 0, 0 };
  int n = 0;
  while (n < x->iters && !atomic_load(&x->stop)) {
    int64_t off = rc_next(&c);
    if (off == R_EMPTY) { rc_idle(&c, &x->ev, &x->stop); continue; }
    uint64_t t1 = now_ns(), t0;
    memcpy(&t0, c.g.r->data + off + 8, 8);
    x->lat[n++] = t1 - t0;
    rc_release(&c);
    atomic_store(&x->got, n);
  }
  return NULL;
}

static void mode_wakeup(const char *dir, int iters, uint32_t cap) {
  wk_ctx x;
  memset(&x, 0, sizeof x);
  ring_init(&x.g, cap);
  x.iters = iters;
  x.lat = calloc((size_t)iters, sizeof(uint64_t));
  int send = strcmp(dir, "send") == 0;
  pthread_t th;
  pthread_create(&th, NULL, send ? wk_send_driver : wk_recv_driver, &x);
  int n = 0;
  if (send) {
    send_reader s = { x.g, 0, 0, 0, 0 };
    uint64_t deadline = now_ns() + (uint64_t)iters * 5000000ull + 2000000000ull;
    while (n < iters && now_ns() < deadline) {
      int64_t off = sr_receive(&s);
      if (off == R_EMPTY) { event_wait(&x.ev, 100000000ull); continue; }
      uint64_t t1 = now_ns(), t0;
      memcpy(&t0, s.g.r->data + off, 8);
      x.lat[n++] = t1 - t0;
      sr_release(&s, (uint32_t)off);
    }
  } else {
    recv_writer w = { x.g, 0, 0, 0 };
    unsigned seed = 12345;
    uint8_t pkt[64];
    memcpy(pkt, SRC, 64);
    for (int i = 0; i < iters; i++) {
      sleep_gap(&seed);
      int64_t off = rw_allocate(&w, 64);
      uint64_t t0 = now_ns();
      memcpy(pkt + 8, &t0, 8);
      memcpy(w.g.r->data + off, pkt, 64);
      if (rw_commit(&w, (uint32_t)off)) event_set(&x.ev);
    }
    uint64_t deadline = now_ns() + 2000000000ull;
    while (atomic_load(&x.got) < iters && now_ns() < deadline) usleep(1000);
    n = atomic_load(&x.got);
  }
  atomic_store(&x.stop, 1);
  event_set(&x.ev);
  pthread_join(th, NULL);
  qsort(x.lat, (size_t)n, sizeof(uint64_t), cmp_u64);
#define PCT(q) (n ? x.lat[(size_t)((double)(n - 1) * (q))] : 0)
  printf("{\"impl\":\"c\",\"row\":\"wakeup\",\"dir\":\"%s\",\"samples\":%d,\"p50Ns\":%llu,\"p90Ns\":%llu,\"p99Ns\":%llu,\"maxNs\":%llu}\n",
         dir, n, (unsigned long long)PCT(0.5), (unsigned long long)PCT(0.9), (unsigned long long)PCT(0.99),
         (unsigned long long)(n ? x.lat[n - 1] : 0));
  fflush(stdout);
  free(x.lat);
}

/* ---------------------------------------------------------------- main ------------------------ */

static void usage(void) {
  fprintf(stderr,
          "usage: ring_bench throughput <send|recv> <size> <batch> <seconds> [capacity] [deferred 0|1]\n"
          "       ring_bench usercost <rx|rxcopy|tx|rxb|txb> <size> <seconds> [capacity] [lock 0|1]\n"
          "       ring_bench wakeup <send|recv> <iterations> [capacity]\n");
  exit(1);
}

static uint32_t parse_cap(const char *s) {
  unsigned long v = s ? strtoul(s, NULL, 0) : 0x400000ul;
  if (v < 0x20000ul || v > 0x4000000ul || (v & (v - 1))) { fprintf(stderr, "bad capacity\n"); exit(1); }
  return (uint32_t)v;
}

int main(int argc, char **argv) {
  init_src();
  if (argc < 2) usage();
  if (!strcmp(argv[1], "throughput") && argc >= 6) {
    uint32_t size = (uint32_t)atoi(argv[3]), batch = (uint32_t)atoi(argv[4]);
    if (size < 20 || size > MAX_IP || batch < 1 || batch > 256) usage();
    mode_throughput(argv[2], size, batch, atof(argv[5]), parse_cap(argc > 6 ? argv[6] : NULL), argc > 7 && atoi(argv[7]) != 0);
  } else if (!strcmp(argv[1], "usercost") && argc >= 5) {
    uint32_t size = (uint32_t)atoi(argv[3]);
    if (size < 20 || size > MAX_IP) usage();
    mode_usercost(argv[2], size, atof(argv[4]), parse_cap(argc > 5 ? argv[5] : NULL), argc > 6 && atoi(argv[6]) != 0);
  } else if (!strcmp(argv[1], "wakeup") && argc >= 4) {
    mode_wakeup(argv[2], atoi(argv[3]), parse_cap(argc > 4 ? argv[4] : NULL));
  } else {
    usage();
  }
  return 0;
}
