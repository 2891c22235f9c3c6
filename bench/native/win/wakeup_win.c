/*
 * wakeup_win.c - the native baseline of bench row 8 (Windows wait path under Wine): a Win32
 * auto-reset event set by another thread, latency until the waiting thread runs again.
 *
 * Built by bench/run.mjs with x86_64-w64-mingw32-gcc and run under Wine. A "driver" thread sleeps
 * 200-700 us (NtDelayExecution, 100 ns units), stores the current QueryPerformanceCounter value
 * and calls SetEvent; the main thread waits with WaitForSingleObject (bounded, 100 ms per call),
 * reads the counter when it returns and records the difference. This is the wait wintun.dll's
 * users do on WintunGetReadWaitEvent's handle. Prints one JSON line (p50/p90/p99/max in ns).
 *
 * With "iocp" as second argument the driver posts a completion packet (PostQueuedCompletionStatus)
 * instead and the main thread waits in GetQueuedCompletionStatusEx: how libuv's event loop (Node's
 * main thread) sleeps and is woken on Windows. Whatever wakes a JavaScript wait on the main thread
 * ends with this hop, after the hop from the event to the thread that waits on it: the pair is
 * the floor of an event-loop wait.
 *
 * usage: wakeup_win.exe <iterations> [iocp]
 */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef LONG(NTAPI *NtDelayExecution_t)(BOOLEAN, PLARGE_INTEGER);

static HANDLE ev;
static HANDLE port; /* the "iocp" mode's completion port, else NULL */
static volatile LONG64 stamp;
static volatile LONG stop;
static int iters;
static NtDelayExecution_t delay;

static LONG64 qpc(void) {
  LARGE_INTEGER t;
  QueryPerformanceCounter(&t);
  return t.QuadPart;
}

static DWORD WINAPI driver(LPVOID arg) {
  (void)arg;
  unsigned seed = 12345;
  for (int i = 0; i < iters && !stop; i++) {
    seed = seed * 1103515245u + 12345u;
    LONG64 us = 200 + (LONG64)((seed >> 8) % 500);
    LARGE_INTEGER d;
    d.QuadPart = -us * 10; /* relative, 100 ns units */
    if (delay) delay(FALSE, &d);
    else Sleep(1);
    InterlockedExchange64(&stamp, qpc());
    if (port) PostQueuedCompletionStatus(port, 0, 1, NULL);
    else SetEvent(ev);
  }
  return 0;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  iters = argc > 1 ? atoi(argv[1]) : 1000;
  if (iters < 1 || iters > 1000000) { fprintf(stderr, "usage: wakeup_win <iterations>\n"); return 1; }
  delay = (NtDelayExecution_t)(void *)GetProcAddress(GetModuleHandleA("ntdll.dll"), "NtDelayExecution");
  LARGE_INTEGER f;
  QueryPerformanceFrequency(&f);
  double ns_per_tick = 1e9 / (double)f.QuadPart;
  ev = CreateEventW(NULL, FALSE, FALSE, NULL);
  int iocp = argc > 2 && strcmp(argv[2], "iocp") == 0;
  if (iocp && !(port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 1))) { fprintf(stderr, "wakeup_win: CreateIoCompletionPort failed (%lu)\n", GetLastError()); return 2; }
  double *lat = calloc((size_t)iters, sizeof(double));
  HANDLE th = CreateThread(NULL, 0, driver, NULL, 0, NULL);
  if (!ev || !lat || !th) { fprintf(stderr, "wakeup_win: setup failed (%lu)\n", GetLastError()); return 2; }
  int n = 0;
  DWORD deadline = GetTickCount() + (DWORD)iters * 5 + 5000;
  while (n < iters && (LONG)(deadline - GetTickCount()) > 0) {
    if (port) {
      OVERLAPPED_ENTRY entry;
      ULONG got = 0;
      if (!GetQueuedCompletionStatusEx(port, &entry, 1, &got, 100, FALSE) || got == 0) continue;
    } else if (WaitForSingleObject(ev, 100) != WAIT_OBJECT_0) {
      continue;
    }
    LONG64 t1 = qpc();
    lat[n++] = (double)(t1 - InterlockedCompareExchange64(&stamp, 0, 0)) * ns_per_tick;
  }
  stop = 1;
  WaitForSingleObject(th, 5000);
  qsort(lat, (size_t)n, sizeof(double), cmp);
#define PCT(q) (n ? lat[(size_t)((double)(n - 1) * (q))] : 0)
  printf("{\"impl\":\"c\",\"row\":\"wine-wakeup\",\"wake\":\"%s\",\"samples\":%d,\"p50Ns\":%.0f,\"p90Ns\":%.0f,\"p99Ns\":%.0f,\"maxNs\":%.0f,\"qpcHz\":%lld}\n",
         iocp ? "iocp" : "event", n, PCT(0.5), PCT(0.9), PCT(0.99), n ? lat[n - 1] : 0, (long long)f.QuadPart);
  fflush(stdout);
  CloseHandle(th);
  CloseHandle(ev);
  if (port) CloseHandle(port);
  free(lat);
  return 0;
}
