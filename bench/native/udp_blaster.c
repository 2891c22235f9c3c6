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
 * usage: udp_blaster --src A --dst B [--port P] [--size N] [--rate PPS] [--seconds S]
 *                    [--count N] [--drain-ms MS]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
static _Atomic uint64_t received, bad;
static size_t payload_len;

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
      for (int i = 0; i < BURST; i++) {
        iov[i].iov_base = bufs[i];
        iov[i].iov_len = sizeof bufs[i];
        memset(&msgs[i].msg_hdr, 0, sizeof msgs[i].msg_hdr);
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
      }
      int n = recvmmsg(sock, msgs, BURST, MSG_DONTWAIT, NULL);
      if (n <= 0) break;
      uint64_t ok = 0, ko = 0;
      for (int i = 0; i < n; i++) {
        uint32_t m;
        memcpy(&m, bufs[i], 4);
        if (msgs[i].msg_len == payload_len && m == MAGIC) ok++;
        else ko++;
      }
      atomic_fetch_add(&received, ok);
      atomic_fetch_add(&bad, ko);
    }
  }
  return NULL;
}

int main(int argc, char **argv) {
  const char *src = NULL, *dst = NULL;
  int port = 9000, size = 64, drain_ms = 300;
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
    else goto usage;
    i++;
  }
  if (!src || !dst || size < 36 || size > 1500 || rate <= 0 || seconds <= 0 || seconds > 120 || port < 1 || port > 65534)
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

  pthread_t th;
  pthread_create(&th, NULL, rx_thread, NULL);

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

  uint64_t sent = 0, errors = 0, seq = 0;
  uint64_t t0 = now_ns(), end = t0 + (uint64_t)(seconds * 1e9);
  double ns_per_pkt = 1e9 / rate;
  for (;;) {
    uint64_t t = now_ns();
    if (t >= end || sent + errors >= count) break;
    uint64_t due = (uint64_t)((double)(t - t0) / ns_per_pkt) + 1;
    if (sent + errors >= due) {
      uint64_t wake = t0 + (uint64_t)((double)(sent + errors + BURST / 2) * ns_per_pkt);
      if (wake > t + 2000) {
        struct timespec ts = { (time_t)(wake / 1000000000ull), (long)(wake % 1000000000ull) };
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
      }
      continue;
    }
    uint64_t want = due - (sent + errors);
    if (want > BURST) want = BURST;
    if (want > count - (sent + errors)) want = count - (sent + errors);
    for (uint64_t i = 0; i < want; i++) {
      uint64_t s = seq++;
      memcpy(pkts[i] + 4, &s, 8);
    }
    int n = sendmmsg(sock, msgs, (unsigned)want, 0);
    if (n < 0) {
      errors++;
      if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR) { perror("sendmmsg"); break; }
    } else {
      sent += (uint64_t)n;
      if ((uint64_t)n < want) errors += want - (uint64_t)n;
    }
  }
  uint64_t t1 = now_ns();
  struct timespec dr = { drain_ms / 1000, (long)(drain_ms % 1000) * 1000000L };
  nanosleep(&dr, NULL);
  atomic_store(&stop_rx, 1);
  pthread_join(th, NULL);
  close(sock);
  double secs = (double)(t1 - t0) / 1e9;
  uint64_t rcv = atomic_load(&received);
  printf("{\"impl\":\"load\",\"row\":\"tun-blaster\",\"size\":%d,\"offeredPps\":%.0f,\"sent\":%llu,\"sendErrors\":%llu,"
         "\"received\":%llu,\"bad\":%llu,\"seconds\":%.4f,\"sentPps\":%.0f,\"replyPps\":%.0f,\"lossPct\":%.3f}\n",
         size, rate, (unsigned long long)sent, (unsigned long long)errors, (unsigned long long)rcv,
         (unsigned long long)atomic_load(&bad), secs, (double)sent / secs, (double)rcv / secs,
         sent ? 100.0 * (double)(sent - (rcv > sent ? sent : rcv)) / (double)sent : 0.0);
  return 0;
usage:
  fprintf(stderr, "usage: udp_blaster --src A --dst B [--port P] [--size 36..1500] [--rate PPS] [--seconds S] [--count N] [--drain-ms MS]\n");
  return 1;
}
