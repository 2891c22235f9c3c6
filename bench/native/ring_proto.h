/*
 * ring_proto.h - the Wintun ring protocol in C, both roles, for the bench's native baselines
 * (ring_bench.c, lib_driver.c). Written from the project's protocol description (shared spec sections
 * 1, 3, 4); it contains no upstream code. Rings are seen through `ring_t` (the TUN_RING header and
 * data at `r`, capacity a power of two); the Win32 auto-reset events are a futex-based auto-reset
 * event (`event_t`, wake only when someone waits). Everything is static inline or static: each
 * translation unit gets its own copy.
 */
#ifndef WINTUN_TS_BENCH_RING_PROTO_H
#define WINTUN_TS_BENCH_RING_PROTO_H
#include <errno.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define HDR 12u
#define TRAILING 0x10000u
#define MAX_IP 0xFFFFu
#define REL_BIT 0x80000000u
#define SENTINEL 0xFFFFFFFFu
#define ALIGN4(x) (((x) + 3u) & ~3u)
#define REC(sz) ALIGN4(4u + (uint32_t)(sz))

enum { R_EMPTY = -1, R_FULL = -2, R_EOF = -3, R_CORRUPT = -4 };

static inline uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

/* ---------------------------------------------------------------- ring memory ---------------- */

typedef struct {
  _Atomic uint32_t head;
  _Atomic uint32_t tail;
  _Atomic int32_t alertable;
  uint8_t data[];
} tun_ring;

typedef struct {
  tun_ring *r;
  uint32_t cap, mask;
} ring_t;

static inline uint32_t *rec_size(ring_t *g, uint32_t off) { return (uint32_t *)(g->r->data + off); }

/* ---------------------------------------------------------------- auto-reset event ----------- */

typedef struct {
  _Atomic int state;   /* 1 = signalled */
  _Atomic int waiters;
} event_t;

static long futex(_Atomic int *addr, int op, int val, const struct timespec *ts) {
  return syscall(SYS_futex, (int *)addr, op, val, ts, NULL, 0);
}

static inline void event_set(event_t *e) {
  atomic_store(&e->state, 1);
  if (atomic_load(&e->waiters) > 0) futex(&e->state, FUTEX_WAKE_PRIVATE, 1, NULL);
}

static inline void event_reset(event_t *e) { atomic_store(&e->state, 0); }

/* returns 1 if signalled (and consumes the signal), 0 on timeout */
static int event_wait(event_t *e, uint64_t timeout_ns) {
  uint64_t deadline = now_ns() + timeout_ns;
  for (;;) {
    int one = 1;
    if (atomic_compare_exchange_strong(&e->state, &one, 0)) return 1;
    atomic_fetch_add(&e->waiters, 1);
    one = 1;
    if (atomic_compare_exchange_strong(&e->state, &one, 0)) { atomic_fetch_sub(&e->waiters, 1); return 1; }
    uint64_t t = now_ns();
    if (t >= deadline) { atomic_fetch_sub(&e->waiters, 1); return 0; }
    uint64_t left = deadline - t;
    struct timespec ts = { (time_t)(left / 1000000000ull), (long)(left % 1000000000ull) };
    futex(&e->state, FUTEX_WAIT_PRIVATE, 0, &ts);
    atomic_fetch_sub(&e->waiters, 1);
  }
}

/* ---------------------------------------------------------------- Send ring: driver producer -- */

typedef struct { ring_t g; uint32_t ptail; event_t *ev; } send_producer;

static inline int64_t sp_reserve(send_producer *p, uint32_t size) {
  uint32_t head = atomic_load_explicit(&p->g.r->head, memory_order_acquire);
  if (head >= p->g.cap) return R_EOF;
  uint32_t need = REC(size);
  uint32_t freeb = (head - p->ptail - 4u) & p->g.mask;
  if (need > freeb) return R_FULL;
  uint32_t off = p->ptail;
  p->ptail = (p->ptail + need) & p->g.mask;
  return (int64_t)off + 4;
}
static inline void sp_commit(send_producer *p, uint32_t payload, uint32_t size) { *rec_size(&p->g, payload - 4) = size; }
/* the driver stores Tail (release) and signals the event on every Tail move */
static inline void sp_publish(send_producer *p) {
  if (atomic_load_explicit(&p->g.r->tail, memory_order_relaxed) != p->ptail) {
    atomic_store_explicit(&p->g.r->tail, p->ptail, memory_order_release);
    event_set(p->ev);
  }
}

/* ---------------------------------------------------------------- Send ring: user consumer ---- */

typedef struct { ring_t g; uint32_t phead, head_release, outstanding, last_size; } send_reader;

static inline int64_t sr_receive(send_reader *s) {
  if (s->phead >= s->g.cap) return R_EOF;
  uint32_t tail = atomic_load_explicit(&s->g.r->tail, memory_order_acquire);
  if (tail >= s->g.cap) return R_EOF;
  if (tail == s->phead) return R_EMPTY;
  uint32_t content = (tail - s->phead) & s->g.mask;
  if (content < 4) return R_CORRUPT;
  uint32_t size = *rec_size(&s->g, s->phead);
  if (size > MAX_IP) return R_CORRUPT;
  uint32_t al = REC(size);
  if (al > content) return R_CORRUPT;
  uint32_t payload = s->phead + 4;
  s->phead = (s->phead + al) & s->g.mask;
  s->outstanding++;
  s->last_size = size;
  return payload;
}
static inline void sr_release(send_reader *s, uint32_t payload) {
  *rec_size(&s->g, payload - 4) |= REL_BIT;
  while (s->outstanding > 0) {
    uint32_t sz = *rec_size(&s->g, s->head_release);
    if (!(sz & REL_BIT)) break;
    s->head_release = (s->head_release + REC(sz & ~REL_BIT)) & s->g.mask;
    s->outstanding--;
  }
  atomic_store_explicit(&s->g.r->head, s->head_release, memory_order_release);
}

/* the batch form: release without the Head store, then one store per batch */
static inline void sr_release_deferred(send_reader *s, uint32_t payload) {
  *rec_size(&s->g, payload - 4) |= REL_BIT;
  while (s->outstanding > 0) {
    uint32_t sz = *rec_size(&s->g, s->head_release);
    if (!(sz & REL_BIT)) break;
    s->head_release = (s->head_release + REC(sz & ~REL_BIT)) & s->g.mask;
    s->outstanding--;
  }
}
static inline void sr_publish_head(send_reader *s) {
  if (atomic_load_explicit(&s->g.r->head, memory_order_relaxed) != s->head_release)
    atomic_store_explicit(&s->g.r->head, s->head_release, memory_order_release);
}

/* ---------------------------------------------------------------- Receive ring: user producer - */

typedef struct { ring_t g; uint32_t ptail, tail_release, outstanding; } recv_writer;

static inline int64_t rw_allocate(recv_writer *w, uint32_t size) {
  if (w->ptail >= w->g.cap) return R_EOF;
  uint32_t need = REC(size);
  uint32_t head = atomic_load_explicit(&w->g.r->head, memory_order_acquire);
  if (head >= w->g.cap) return R_EOF;
  uint32_t freeb = (head - w->ptail - 4u) & w->g.mask;
  if (need > freeb) return R_FULL;
  *rec_size(&w->g, w->ptail) = size | REL_BIT;
  uint32_t payload = w->ptail + 4;
  w->ptail = (w->ptail + need) & w->g.mask;
  w->outstanding++;
  return payload;
}
/* returns 1 when the driver is alertable and its event must be set */
static inline int rw_commit(recv_writer *w, uint32_t payload) {
  *rec_size(&w->g, payload - 4) &= ~REL_BIT;
  while (w->outstanding > 0) {
    uint32_t sz = *rec_size(&w->g, w->tail_release);
    if (sz & REL_BIT) break;
    w->tail_release = (w->tail_release + REC(sz)) & w->g.mask;
    w->outstanding--;
  }
  if (atomic_load_explicit(&w->g.r->tail, memory_order_relaxed) != w->tail_release) {
    atomic_store_explicit(&w->g.r->tail, w->tail_release, memory_order_release);
    atomic_thread_fence(memory_order_seq_cst); /* store Tail -> full fence -> load Alertable */
    return atomic_load_explicit(&w->g.r->alertable, memory_order_acquire) != 0;
  }
  return 0;
}

/* the batch form: commit without publishing, then one Tail store + fence + Alertable load per batch */
static inline void rw_commit_deferred(recv_writer *w, uint32_t payload) {
  *rec_size(&w->g, payload - 4) &= ~REL_BIT;
  while (w->outstanding > 0) {
    uint32_t sz = *rec_size(&w->g, w->tail_release);
    if (sz & REL_BIT) break;
    w->tail_release = (w->tail_release + REC(sz)) & w->g.mask;
    w->outstanding--;
  }
}
static inline int rw_publish(recv_writer *w) {
  if (atomic_load_explicit(&w->g.r->tail, memory_order_relaxed) != w->tail_release) {
    atomic_store_explicit(&w->g.r->tail, w->tail_release, memory_order_release);
    atomic_thread_fence(memory_order_seq_cst);
    return atomic_load_explicit(&w->g.r->alertable, memory_order_acquire) != 0;
  }
  return 0;
}

/* ---------------------------------------------------------------- Receive ring: driver consumer */

typedef struct { ring_t g; uint32_t head, pending, last_size; uint64_t discarded; } recv_consumer;

static inline int64_t rc_next(recv_consumer *c) {
  for (;;) {
    uint32_t tail = atomic_load_explicit(&c->g.r->tail, memory_order_acquire);
    if (c->head >= c->g.cap) return R_EOF;
    if (tail >= c->g.cap) return R_EOF;
    if (tail == c->head) return R_EMPTY;
    uint32_t content = (tail - c->head) & c->g.mask;
    if (content < 4) return R_CORRUPT;
    uint32_t size = *(volatile uint32_t *)rec_size(&c->g, c->head);
    if (size > MAX_IP) return R_CORRUPT;
    uint32_t al = REC(size);
    if (al > content) return R_CORRUPT;
    uint8_t v = size > 0 ? (c->g.r->data[c->head + 4] >> 4) : 0;
    if ((v == 4 && size >= 20) || (v == 6 && size >= 40)) {
      c->pending = al;
      c->last_size = size;
      return (int64_t)c->head + 4;
    }
    c->discarded++;
    c->head = (c->head + al) & c->g.mask;
    atomic_store_explicit(&c->g.r->head, c->head, memory_order_release);
  }
}
static inline void rc_release(recv_consumer *c) {
  c->head = (c->head + c->pending) & c->g.mask;
  c->pending = 0;
  atomic_store_explicit(&c->g.r->head, c->head, memory_order_release);
}
/* Alertable = 1, full fence, re-read Tail. Returns 1 if still empty (caller waits). */
static inline int rc_prepare_wait(recv_consumer *c) {
  atomic_store_explicit(&c->g.r->alertable, 1, memory_order_release);
  atomic_thread_fence(memory_order_seq_cst);
  return atomic_load_explicit(&c->g.r->tail, memory_order_acquire) == c->head;
}
static inline void rc_end_wait(recv_consumer *c) { atomic_store_explicit(&c->g.r->alertable, 0, memory_order_release); }

/* The driver's idle path: spin up to 100 us re-reading Tail, then the Alertable handshake. */
static void rc_idle(recv_consumer *c, event_t *ev, _Atomic int *stop) {
  uint64_t t0 = now_ns();
  while (now_ns() - t0 < 100000) {
    if (atomic_load_explicit(&c->g.r->tail, memory_order_acquire) != c->head) return;
    if (atomic_load_explicit(stop, memory_order_relaxed)) return;
    cpu_relax();
  }
  if (rc_prepare_wait(c)) {
    event_wait(ev, 20000000ull);
    rc_end_wait(c);
  } else {
    rc_end_wait(c);
    event_reset(ev);
  }
}

#endif
