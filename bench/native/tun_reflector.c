/*
 * tun_reflector.c - the native baseline for the Linux TUN end-to-end row of bench/run.mjs.
 *
 * Creates (or attaches to) a non-persistent TUN device (IFF_TUN | IFF_NO_PI), then reads packets,
 * swaps the IPv4/IPv6 source and destination addresses (and the UDP ports) and writes each packet
 * back. Swapping leaves both the IPv4 header checksum and the UDP checksum valid (the one's
 * complement sums are order-independent), so the kernel delivers the reflection to the sender.
 *
 * The run is bounded: it stops after --seconds, on SIGTERM/SIGINT, or when --stop-file appears.
 * Closing the fd on exit removes the device. Output: one "ready" JSON line once the device exists,
 * and one stats JSON line at the end.
 *
 * usage: tun_reflector --name DEV [--seconds S]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_flag;
static void on_signal(int sig) { (void)sig; stop_flag = 1; }

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* returns 1 if the packet was reflected in place, 0 if it should be dropped */
static int reflect(uint8_t *p, size_t n) {
  if (n < 1) return 0;
  uint8_t v = p[0] >> 4;
  uint8_t tmp[16];
  size_t l4 = 0;
  uint8_t proto = 0;
  if (v == 4 && n >= 20) {
    size_t ihl = (size_t)(p[0] & 15) * 4;
    if (ihl < 20 || ihl > n) return 0;
    memcpy(tmp, p + 12, 4);
    memcpy(p + 12, p + 16, 4);
    memcpy(p + 16, tmp, 4);
    proto = p[9];
    l4 = ihl;
  } else if (v == 6 && n >= 40) {
    memcpy(tmp, p + 8, 16);
    memcpy(p + 8, p + 24, 16);
    memcpy(p + 24, tmp, 16);
    proto = p[6];
    l4 = 40;
  } else {
    return 0;
  }
  if (proto == 17 && n >= l4 + 8) {
    memcpy(tmp, p + l4, 2);
    memcpy(p + l4, p + l4 + 2, 2);
    memcpy(p + l4 + 2, tmp, 2);
    return 1;
  }
  return 0; /* only UDP is reflected; anything else (e.g. stray ICMPv6) is dropped */
}

int main(int argc, char **argv) {
  const char *name = NULL;
  double seconds = 10;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--name") && i + 1 < argc) name = argv[++i];
    else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) seconds = atof(argv[++i]);
    else { fprintf(stderr, "usage: tun_reflector --name DEV [--seconds S]\n"); return 1; }
  }
  if (!name || strlen(name) >= IFNAMSIZ) { fprintf(stderr, "tun_reflector: --name required (< 16 chars)\n"); return 1; }
  if (seconds <= 0 || seconds > 600) seconds = 10;

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);

  int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) { fprintf(stderr, "tun_reflector: open /dev/net/tun: %s\n", strerror(errno)); return 2; }
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) { fprintf(stderr, "tun_reflector: TUNSETIFF: %s\n", strerror(errno)); close(fd); return 2; }
  printf("{\"ready\":true,\"name\":\"%s\"}\n", ifr.ifr_name);
  fflush(stdout);

  static uint8_t buf[65536];
  uint64_t rx = 0, tx = 0, dropped = 0, werr = 0, first = 0, last = 0;
  uint64_t deadline = now_ns() + (uint64_t)(seconds * 1e9);
  struct pollfd pfd = { fd, POLLIN, 0 };
  while (!stop_flag && now_ns() < deadline) {
    int r = poll(&pfd, 1, 100);
    if (r < 0) { if (errno == EINTR) continue; break; }
    if (r == 0) continue;
    for (;;) {
      ssize_t n = read(fd, buf, sizeof buf);
      if (n < 0) {
        if (errno == EINTR) continue;
        break; /* EAGAIN: back to poll */
      }
      rx++;
      if (!first) first = now_ns();
      if (!reflect(buf, (size_t)n)) { dropped++; continue; }
      if (write(fd, buf, (size_t)n) != n) werr++;
      else { tx++; last = now_ns(); }
    }
  }
  close(fd);
  double active = (first && last > first) ? (double)(last - first) / 1e9 : 0;
  printf("{\"impl\":\"c\",\"row\":\"tun-reflector\",\"read\":%llu,\"written\":%llu,\"dropped\":%llu,\"writeErrors\":%llu,"
         "\"activeSeconds\":%.4f}\n",
         (unsigned long long)rx, (unsigned long long)tx, (unsigned long long)dropped, (unsigned long long)werr, active);
  fflush(stdout);
  return 0;
}
