/*
 * udp_blaster.c - load generator for the Linux TUN end-to-end row of bench/run.mjs.
 *
 * Runs inside the network namespace the bench creates (`ip netns exec`). Binds a UDP socket to
 * --src:--port, sends paced datagrams to --dst:--port+1 (an address routed into the TUN device,
 * inside that namespace only) and counts the reflected replies (they come back from --dst:--port+1
 * to --src:--port). Bounded: --count datagrams at most, --seconds of sending at most, then
 * --drain-ms of receiving. Prints one JSON line.
 *
 * --size is the IP packet size (IPv4 20 + UDP 8 + payload), 36..1500.
 *
 * Every datagram carries a magic, a sequence number and its send time (CLOCK_MONOTONIC ns, from
 * 48 B up), so each reply gives a round-trip time: rttP50Ns/rttP99Ns in the output.
 *
 * --burst B caps how many due datagrams go out in one sendmmsg (default 32; 1 = smooth pacing, one
 * datagram per due time, with the timer slack at 1 ns).
 *
 * --window W (closed loop) replaces pacing: W datagrams in flight, one new datagram per reply, for
 * --seconds; a window that makes no progress for 20 ms is refilled (counted as refills).
 *
 * --cpu-pid PID samples the CPU time of every thread of process PID (the reflector; the sum of
 * /proc/PID/task/<tid>/schedstat run times, ns, plus utime+stime from /proc/PID/stat in clock
 * ticks as a cross-check) when sending starts, when traffic stops (every reply in, or 20 ms
 * without a new one after the last send), 10 ms later and 110 ms later: cpuNsPerReply over the
 * traffic window, idle0to10Pct and idle10to110Pct (percent of one core) after it. /proc is not
 * namespaced by `ip netns exec`, so the reflector's PID is valid here.
 *
 * usage: udp_blaster --src A --dst B [--port P] [--size N] [--rate PPS] [--seconds S]
 *                    [--count N] [--drain-ms MS] [--burst B] [--window W] [--cpu-pid PID]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BURST 32
#define MAGIC 0x57544e42u /* "WTNB" */

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int sock;
static _Atomic int stop_rx;
static _Atomic uint64_t received, bad, last_reply_ns;
static size_t payload_len;
/* round-trip samples (ns, capped at 4.29 s), one per reply, up to rtt_cap */
static uint32_t *rtts;
static _Atomic uint64_t rtt_n;
static uint64_t rtt_cap;

static inline void stamp(uint8_t *p, uint64_t seq, uint64_t t) {
  memcpy(p + 4, &seq, 8);
  if (payload_len >= 20) memcpy(p + 12, &t, 8);
}

/* counts a batch of replies and records their round trips; returns the good ones */
static uint64_t account(uint8_t (*bufs)[2048], struct mmsghdr *msgs, int n) {
  uint64_t ok = 0, ko = 0, t = now_ns();
  for (int i = 0; i < n; i++) {
    uint32_t m;
    memcpy(&m, bufs[i], 4);
    if (msgs[i].msg_len == payload_len && m == MAGIC) {
      ok++;
      if (payload_len >= 20) {
        uint64_t t0;
        memcpy(&t0, bufs[i] + 12, 8);
        uint64_t k = atomic_load_explicit(&rtt_n, memory_order_relaxed);
        if (k < rtt_cap && t >= t0) {
          uint64_t d = t - t0;
          rtts[k] = d > 0xFFFFFFFFull ? 0xFFFFFFFFu : (uint32_t)d;
          atomic_store_explicit(&rtt_n, k + 1, memory_order_relaxed);
        }
      }
    } else {
      ko++;
    }
  }
  atomic_fetch_add(&received, ok);
  atomic_fetch_add(&bad, ko);
  if (ok) atomic_store(&last_reply_ns, t);
  return ok;
}

static void prep_rx(uint8_t (*bufs)[2048], struct mmsghdr *msgs, struct iovec *iov) {
  for (int i = 0; i < BURST; i++) {
    iov[i].iov_base = bufs[i];
    iov[i].iov_len = 2048;
    memset(&msgs[i].msg_hdr, 0, sizeof msgs[i].msg_hdr);
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
}

static void *rx_thread(void *arg) {
  (void)arg;
  static uint8_t bufs[BURST][2048];
  struct mmsghdr msgs[BURST];
  struct iovec iov[BURST];
  for (;;) {
    struct pollfd pfd = { sock, POLLIN, 0 };
    int r = poll(&pfd, 1, 20);
    if (r <= 0) {
      if (atomic_load(&stop_rx)) break;
      continue;
    }
    for (;;) {
      prep_rx(bufs, msgs, iov);
      int n = recvmmsg(sock, msgs, BURST, MSG_DONTWAIT, NULL);
      if (n <= 0) break;
      account(bufs, msgs, n);
    }
  }
  return NULL;
}

/* ------------------------------------------------------------------ reflector CPU from /proc --- */

typedef struct { uint64_t ns; uint64_t ticks; int ok; } cpu_sample;

static cpu_sample cpu_of(int pid) {
  cpu_sample c = { 0, 0, 0 };
  if (pid <= 0) return c;
  char path[64], buf[512];
  snprintf(path, sizeof path, "/proc/%d/task", pid);
  DIR *d = opendir(path);
  if (!d) return c;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    char p2[320];
    snprintf(p2, sizeof p2, "/proc/%d/task/%s/schedstat", pid, e->d_name);
    FILE *f = fopen(p2, "r");
    if (!f) continue;
    unsigned long long run = 0;
    if (fscanf(f, "%llu", &run) == 1) c.ns += run;
    fclose(f);
  }
  closedir(d);
  /* utime (14) + stime (15) of the whole process (exited threads included), in clock ticks */
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE *f = fopen(path, "r");
  if (f) {
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    char *q = strrchr(buf, ')');
    unsigned long long ut = 0, st = 0;
    if (q && sscanf(q + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) == 2) c.ticks = ut + st;
  }
  c.ok = 1;
  return c;
}

static void sleep_until(uint64_t t) {
  struct timespec ts = { (time_t)(t / 1000000000ull), (long)(t % 1000000000ull) };
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {}
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  const char *src = NULL, *dst = NULL;
  int port = 9000, size = 64, drain_ms = 300, burst = BURST, window = 0, cpu_pid = 0;
  double rate = 100000, seconds = 2;
  uint64_t count = 10000000;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!v) goto usage;
    if (!strcmp(a, "--src")) src = v;
    else if (!strcmp(a, "--dst")) dst = v;
    else if (!strcmp(a, "--port")) port = atoi(v);
    else if (!strcmp(a, "--size")) size = atoi(v);
    else if (!strcmp(a, "--rate")) rate = atof(v);
    else if (!strcmp(a, "--seconds")) seconds = atof(v);
    else if (!strcmp(a, "--count")) count = strtoull(v, NULL, 10);
    else if (!strcmp(a, "--drain-ms")) drain_ms = atoi(v);
    else if (!strcmp(a, "--burst")) burst = atoi(v);
    else if (!strcmp(a, "--window")) window = atoi(v);
    else if (!strcmp(a, "--cpu-pid")) cpu_pid = atoi(v);
    else goto usage;
    i++;
  }
  if (!src || !dst || size < 36 || size > 1500 || rate <= 0 || seconds <= 0 || seconds > 120 || port < 1 || port > 65534 ||
      burst < 1 || burst > BURST || window < 0 || window > 4096 || drain_ms < 0 || drain_ms > 10000)
    goto usage;
  payload_len = (size_t)size - 28;

  struct sockaddr_in sa = { 0 }, da = { 0 };
  sa.sin_family = da.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)port);
  da.sin_port = htons((uint16_t)(port + 1));
  if (inet_pton(AF_INET, src, &sa.sin_addr) != 1 || inet_pton(AF_INET, dst, &da.sin_addr) != 1) goto usage;

  sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0) { perror("socket"); return 2; }
  int big = 8 << 20;
  setsockopt(sock, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
  setsockopt(sock, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof big);
  if (bind(sock, (struct sockaddr *)&sa, sizeof sa) < 0) { perror("bind"); return 2; }

  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0); /* sleep to the due time, not 50 us past it */
  rtt_cap = count < 8000000ull ? count + 4096 : 8000000ull;
  if (window > 0) rtt_cap = (uint64_t)(seconds * 2e6) + 4096 < 8000000ull ? (uint64_t)(seconds * 2e6) + 4096 : 8000000ull;
  rtts = malloc(rtt_cap * sizeof *rtts);
  if (!rtts) { perror("malloc"); return 2; }

  static uint8_t pkts[BURST][1500];
  struct mmsghdr msgs[BURST];
  struct iovec iov[BURST];
  for (int i = 0; i < BURST; i++) {
    memset(pkts[i], 0xA5, sizeof pkts[i]);
    uint32_t m = MAGIC;
    memcpy(pkts[i], &m, 4);
    iov[i].iov_base = pkts[i];
    iov[i].iov_len = payload_len;
    memset(&msgs[i], 0, sizeof msgs[i]);
    msgs[i].msg_hdr.msg_name = &da;
    msgs[i].msg_hdr.msg_namelen = sizeof da;
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }

  pthread_t th;
  if (window == 0) pthread_create(&th, NULL, rx_thread, NULL);

  uint64_t sent = 0, errors = 0, seq = 0, refills = 0;
  cpu_sample c0 = cpu_of(cpu_pid);
  uint64_t t0 = now_ns(), end = t0 + (uint64_t)(seconds * 1e9);
  if (window == 0) {
    double ns_per_pkt = 1e9 / rate;
    for (;;) {
      uint64_t t = now_ns();
      if (t >= end || sent + errors >= count) break;
      uint64_t due = (uint64_t)((double)(t - t0) / ns_per_pkt) + 1;
      if (sent + errors >= due) {
        uint64_t wake = t0 + (uint64_t)((double)(sent + errors + (uint64_t)burst / 2) * ns_per_pkt);
        if (wake > t + 2000) sleep_until(wake);
        continue;
      }
      uint64_t want = due - (sent + errors);
      if (want > (uint64_t)burst) want = (uint64_t)burst;
      if (want > count - (sent + errors)) want = count - (sent + errors);
      uint64_t ts = now_ns();
      for (uint64_t i = 0; i < want; i++) stamp(pkts[i], seq++, ts);
      int n = sendmmsg(sock, msgs, (unsigned)want, 0);
      if (n < 0) {
        errors++;
        if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR) { perror("sendmmsg"); break; }
      } else {
        sent += (uint64_t)n;
        if ((uint64_t)n < want) errors += want - (uint64_t)n;
      }
    }
  } else {
    /* closed loop: W in flight, one new datagram per reply, refill after 20 ms without progress */
    static uint8_t bufs[BURST][2048];
    struct mmsghdr rm[BURST];
    struct iovec riov[BURST];
    uint64_t inflight = 0, last_progress = t0;
    for (;;) {
      uint64_t t = now_ns();
      if (t >= end) break;
      while (inflight < (uint64_t)window) {
        uint64_t want = (uint64_t)window - inflight;
        if (want > BURST) want = BURST;
        uint64_t ts = now_ns();
        for (uint64_t i = 0; i < want; i++) stamp(pkts[i], seq++, ts);
        int n = sendmmsg(sock, msgs, (unsigned)want, 0);
        if (n <= 0) { errors++; break; }
        sent += (uint64_t)n;
        inflight += (uint64_t)n;
      }
      struct pollfd pfd = { sock, POLLIN, 0 };
      int r = poll(&pfd, 1, 5);
      if (r > 0) {
        for (;;) {
          prep_rx(bufs, rm, riov);
          int n = recvmmsg(sock, rm, BURST, MSG_DONTWAIT, NULL);
          if (n <= 0) break;
          uint64_t ok = account(bufs, rm, n);
          inflight = ok >= inflight ? 0 : inflight - ok;
          if (ok) last_progress = now_ns();
        }
      }
      if (now_ns() - last_progress > 20000000ull) { /* the window was lost: refill */
        refills++;
        inflight = 0;
        last_progress = now_ns();
      }
    }
  }
  uint64_t t1 = now_ns();
  /* traffic stops: every reply in, or 20 ms without a new one (bounded by drain_ms) */
  uint64_t tstop = t1;
  if (window == 0) {
    uint64_t limit = t1 + (uint64_t)drain_ms * 1000000ull;
    for (;;) {
      uint64_t t = now_ns();
      if (atomic_load(&received) >= sent) { tstop = t; break; }
      uint64_t lr = atomic_load(&last_reply_ns);
      if (t >= limit || t - (lr > t1 ? lr : t1) > 20000000ull) { tstop = t; break; }
      struct timespec nap = { 0, 20000 };
      nanosleep(&nap, NULL);
    }
  }
  cpu_sample cs = cpu_of(cpu_pid);
  sleep_until(tstop + 10000000ull);
  cpu_sample c10 = cpu_of(cpu_pid);
  sleep_until(tstop + 110000000ull);
  cpu_sample c110 = cpu_of(cpu_pid);
  if (window == 0) {
    atomic_store(&stop_rx, 1);
    pthread_join(th, NULL);
  }
  close(sock);
  double secs = (double)(t1 - t0) / 1e9;
  uint64_t rcv = atomic_load(&received);
  uint64_t nr = atomic_load(&rtt_n);
  qsort(rtts, nr, sizeof *rtts, cmp_u32);
#define RTT(q) (nr ? rtts[(size_t)((double)(nr - 1) * (q))] : 0)
  printf("{\"impl\":\"load\",\"row\":\"tun-blaster\",\"size\":%d,\"offeredPps\":%.0f,\"burst\":%d,\"window\":%d,\"sent\":%llu,\"sendErrors\":%llu,"
         "\"received\":%llu,\"bad\":%llu,\"refills\":%llu,\"seconds\":%.4f,\"sentPps\":%.0f,\"replyPps\":%.0f,\"lossPct\":%.3f,"
         "\"rttSamples\":%llu,\"rttP50Ns\":%u,\"rttP90Ns\":%u,\"rttP99Ns\":%u,\"rttMaxNs\":%u",
         size, window ? 0.0 : rate, burst, window, (unsigned long long)sent, (unsigned long long)errors, (unsigned long long)rcv,
         (unsigned long long)atomic_load(&bad), (unsigned long long)refills, secs, (double)sent / secs, (double)rcv / secs,
         sent ? 100.0 * (double)(sent - (rcv > sent ? sent : rcv)) / (double)sent : 0.0,
         (unsigned long long)nr, RTT(0.5), RTT(0.9), RTT(0.99), nr ? rtts[nr - 1] : 0);
  if (cpu_pid > 0 && c0.ok && c110.ok) {
    long hz = sysconf(_SC_CLK_TCK);
    double tw = (double)(tstop - t0);
    uint64_t busy = cs.ns - c0.ns;
    printf(",\"cpuPid\":%d,\"trafficSeconds\":%.4f,\"cpuNs\":%llu,\"cpuPct\":%.2f,\"cpuNsPerReply\":%.1f,\"cpuTicks\":%llu,\"clockTicksPerSecond\":%ld,"
           "\"idle0to10Pct\":%.2f,\"idle10to110Pct\":%.2f,\"idle10to110Ns\":%llu",
           cpu_pid, tw / 1e9, (unsigned long long)busy, 100.0 * (double)busy / tw, rcv ? (double)busy / (double)rcv : 0.0,
           (unsigned long long)(cs.ticks - c0.ticks), hz,
           100.0 * (double)(c10.ns - cs.ns) / 1e7, 100.0 * (double)(c110.ns - c10.ns) / 1e8, (unsigned long long)(c110.ns - c10.ns));
  }
  printf("}\n");
  free(rtts);
  return 0;
usage:
  fprintf(stderr, "usage: udp_blaster --src A --dst B [--port P] [--size 36..1500] [--rate PPS] [--seconds S] [--count N] [--drain-ms MS]\n"
                  "                   [--burst 1..32] [--window 0..4096] [--cpu-pid PID]\n");
  return 1;
}
