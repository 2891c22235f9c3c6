/*
 * A stand-in for wintun.dll, written for wintun-ts's Wine tests (MIT, like the rest of the
 * project; no code from Wintun). It exports the 14 functions of the Wintun 0.14 API with their
 * real signatures and behaves plausibly enough to exercise the FFI binding: argument types, wide
 * strings, GUID in, NET_LUID out, NULL/FALSE returns with SetLastError, and logger calls from the
 * calling thread and from threads it creates.
 *
 * Behaviour:
 *   - WintunCreateAdapter: Name and TunnelType must be 1..127 characters (else
 *     ERROR_INVALID_PARAMETER); a name starting with "deny" fails with ERROR_ACCESS_DENIED; a name
 *     already in use fails with ERROR_OBJECT_ALREADY_EXISTS. The GUID is the requested one, or a counter
 *     based one. The LUID is (53 << 48) | ((GUID.Data1 & 0xFFFFFF) << 24). Logs one INFO line on the
 *     calling thread and one from a thread of its own (not waited for).
 *   - WintunOpenAdapter: case-insensitive lookup of created adapters; ERROR_NOT_FOUND otherwise,
 *     with an error-level log line (as wintun.dll logs a failed open).
 *   - WintunCloseAdapter: NULL allowed; closing the creating handle removes the adapter and
 *     unregisters its session, if any.
 *   - WintunGetRunningDriverVersion: 0 with ERROR_FILE_NOT_FOUND while no adapter exists (driver
 *     not loaded), else 0x0000000E (0.14).
 *   - WintunDeleteDriver: FALSE with ERROR_GEN_FAILURE while adapters exist, else TRUE.
 *   - Sessions (spec sections 1, 3 and 4): WintunStartSession allocates two rings of Capacity
 *     bytes (TUN_RING layout: Head, Tail, Alertable, Data + 0x10000 trailing bytes) in one
 *     VirtualAlloc'd region, Send ring first, and two auto-reset events, then "registers" them
 *     with the driver's checks in the driver's order: the adapter's one registration slot
 *     (ERROR_ALREADY_INITIALIZED), then Capacity a power of two in [0x20000, 0x4000000]
 *     (ERROR_INVALID_PARAMETER). The client functions are wintun.dll's: WintunReceivePacket
 *     consumes the Send ring under the send lock (ERROR_HANDLE_EOF when Tail >= capacity, even
 *     with unread packets; ERROR_NO_MORE_ITEMS when empty; ERROR_INVALID_DATA, sticky, for a
 *     corrupt record), WintunReleaseReceivePacket sets the release bit and moves the shared Head
 *     over the released prefix only, WintunAllocateSendPacket reserves in allocation order under
 *     the receive lock (ERROR_BUFFER_OVERFLOW when it does not fit, 4 bytes always held back;
 *     ERROR_HANDLE_EOF when the driver's Head >= capacity), WintunSendPacket commits and publishes
 *     Tail over the committed prefix only, then (full fence) sets the Receive ring's event when
 *     the driver is Alertable. WintunGetReadWaitEvent is the Send ring's event, set on every Send
 *     Tail move. WintunEndSession unregisters (stops the driver side) and frees everything.
 *     Deviation: a PacketSize over 0xFFFF fails with ERROR_INVALID_PARAMETER (wintun.dll accepts
 *     it and the driver then aborts); release/send of a pointer that is not outstanding is
 *     counted and logged (wintun.dll would corrupt the ring).
 *   - The driver side runs inside the DLL. Per adapter (StandinSetDriverMode), sessions are
 *     "echo" (default: a driver thread consumes the Receive ring with the Alertable handshake and
 *     answers each IPv4/IPv6 packet with its addresses swapped; other records are discarded) or
 *     "queues" (nothing consumes until StandinSessionTake). StandinSessionInject writes into the
 *     Send ring as the driver does. StandinSessionEnd unregisters (Send Tail = 0xFFFFFFFF, read
 *     event set), StandinSessionAbort aborts the receive direction (Receive Head = 0xFFFFFFFF);
 *     closing the creating adapter handle unregisters its session (PnP removal).
 *   - Registration control: StandinFailRegistration forces a registration error per adapter and
 *     path (WintunStartSession and/or StandinClaimRegistration); StandinClaimRegistration /
 *     StandinReleaseRegistration let a registration made outside the DLL (the project's own rings)
 *     share the adapter's one slot; StandinRegistrationState reports it.
 *   - Test-only exports: StandinGetAdapterInfo, StandinLogFromThread, StandinCurrentThreadId,
 *     StandinAdapterCount, StandinSetDriverMode, StandinFailRegistration,
 *     StandinClaimRegistration, StandinReleaseRegistration, StandinRegistrationState,
 *     StandinSessionInject, StandinSessionTake, StandinSessionEnd, StandinSessionAbort,
 *     StandinSessionStats.
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <wchar.h>
#include <stdio.h>

#define STANDIN_API __declspec(dllexport)
#define NAME_CAP 128
#define MAX_ADAPTERS 64
#define MIN_CAPACITY 0x20000u
#define MAX_CAPACITY 0x4000000u
#define MAX_PACKET 0xFFFFu

typedef struct { ULONG64 Value; } STANDIN_LUID;
typedef void(CALLBACK *STANDIN_LOGGER)(int Level, DWORD64 Timestamp, const WCHAR *Message);

typedef struct Device {
  BOOL used;
  WCHAR name[NAME_CAP];
  WCHAR type[NAME_CAP];
  GUID guid;
  ULONG64 luid;
  void *session;  /* the DLL session registered on it, or NULL */
  BOOL claimed;   /* registered outside the DLL (StandinClaimRegistration) */
  DWORD failCode; /* StandinFailRegistration */
  DWORD failPaths;
  DWORD mode;     /* STANDIN_MODE_* for sessions started later */
} Device;

typedef struct Adapter {
  DWORD magic;
  int device; /* index into g_devices */
  BOOL owner;
} Adapter;


#define ADAPTER_MAGIC 0x41444150u
#define SESSION_MAGIC 0x53455353u

static SRWLOCK g_lock = SRWLOCK_INIT;
static Device g_devices[MAX_ADAPTERS];
static volatile STANDIN_LOGGER g_logger;
static LONG g_counter;

static void removeDeviceSessions(int device);

static DWORD64 now100ns(void) {
  FILETIME ft;
  GetSystemTimeAsFileTime(&ft);
  return ((DWORD64)ft.dwHighDateTime << 32) | ft.dwLowDateTime;
}

static void logLine(int level, const WCHAR *message) {
  STANDIN_LOGGER logger = g_logger;
  if (logger) logger(level, now100ns(), message);
}

typedef struct LogJob {
  int level;
  DWORD count;
  WCHAR text[256];
} LogJob;

static DWORD WINAPI logThread(LPVOID param) {
  LogJob *job = (LogJob *)param;
  WCHAR line[320];
  for (DWORD i = 0; i < job->count; i++) {
    swprintf(line, 320, L"%ls #%lu (thread %lu)", job->text, (unsigned long)i, (unsigned long)GetCurrentThreadId());
    logLine(job->level, line);
  }
  HeapFree(GetProcessHeap(), 0, job);
  return 0;
}

static BOOL startLogThread(int level, const WCHAR *text, DWORD count) {
  LogJob *job = (LogJob *)HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, sizeof(LogJob));
  if (!job) return FALSE;
  job->level = level;
  job->count = count;
  wcsncpy(job->text, text ? text : L"standin", 255);
  HANDLE thread = CreateThread(NULL, 0, logThread, job, 0, NULL);
  if (!thread) {
    DWORD err = GetLastError();
    HeapFree(GetProcessHeap(), 0, job);
    SetLastError(err);
    return FALSE;
  }
  CloseHandle(thread);
  return TRUE;
}

static BOOL validName(const WCHAR *s) {
  if (!s) return FALSE;
  size_t n = wcsnlen(s, NAME_CAP);
  return n >= 1 && n < NAME_CAP;
}

static Adapter *asAdapter(void *handle) {
  Adapter *a = (Adapter *)handle;
  return (a && a->magic == ADAPTER_MAGIC) ? a : NULL;
}

static Adapter *newAdapter(int device, BOOL owner) {
  Adapter *a = (Adapter *)HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, sizeof(Adapter));
  if (!a) {
    SetLastError(ERROR_NOT_ENOUGH_MEMORY);
    return NULL;
  }
  a->magic = ADAPTER_MAGIC;
  a->device = device;
  a->owner = owner;
  return a;
}

STANDIN_API void *WINAPI WintunCreateAdapter(const WCHAR *Name, const WCHAR *TunnelType, const GUID *RequestedGUID) {
  if (!validName(Name) || !validName(TunnelType)) {
    SetLastError(ERROR_INVALID_PARAMETER);
    return NULL;
  }
  if (_wcsnicmp(Name, L"deny", 4) == 0) {
    logLine(2, L"standin: Failed to create adapter: Access is denied. (Code 0x00000005)");
    SetLastError(ERROR_ACCESS_DENIED);
    return NULL;
  }
  AcquireSRWLockExclusive(&g_lock);
  int free = -1;
  for (int i = 0; i < MAX_ADAPTERS; i++) {
    if (g_devices[i].used && _wcsicmp(g_devices[i].name, Name) == 0) {
      ReleaseSRWLockExclusive(&g_lock);
      SetLastError(ERROR_OBJECT_ALREADY_EXISTS);
      return NULL;
    }
    if (!g_devices[i].used && free < 0) free = i;
  }
  if (free < 0) {
    ReleaseSRWLockExclusive(&g_lock);
    SetLastError(ERROR_NOT_ENOUGH_MEMORY);
    return NULL;
  }
  Device *d = &g_devices[free];
  ZeroMemory(d, sizeof(*d));
  d->used = TRUE;
  wcsncpy(d->name, Name, NAME_CAP - 1);
  wcsncpy(d->type, TunnelType, NAME_CAP - 1);
  if (RequestedGUID) {
    d->guid = *RequestedGUID;
  } else {
    LONG n = InterlockedIncrement(&g_counter);
    d->guid.Data1 = 0x57a00000u | (DWORD)n;
    d->guid.Data2 = 0x5754;
    d->guid.Data3 = 0x4e31;
    for (int i = 0; i < 8; i++) d->guid.Data4[i] = (BYTE)(0xA0 + i);
  }
  d->luid = (53ull << 48) | ((ULONG64)(d->guid.Data1 & 0xFFFFFFu) << 24);
  ReleaseSRWLockExclusive(&g_lock);

  Adapter *a = newAdapter(free, TRUE);
  if (!a) {
    AcquireSRWLockExclusive(&g_lock);
    d->used = FALSE;
    ReleaseSRWLockExclusive(&g_lock);
    SetLastError(ERROR_NOT_ENOUGH_MEMORY);
    return NULL;
  }
  WCHAR line[320];
  swprintf(line, 320, L"Created adapter %ls (%ls)", d->name, d->type);
  logLine(0, line);
  startLogThread(0, L"Orphan cleanup", 1);
  SetLastError(ERROR_SUCCESS);
  return a;
}

STANDIN_API void *WINAPI WintunOpenAdapter(const WCHAR *Name) {
  if (!validName(Name)) {
    SetLastError(ERROR_INVALID_PARAMETER);
    return NULL;
  }
  AcquireSRWLockShared(&g_lock);
  int found = -1;
  for (int i = 0; i < MAX_ADAPTERS; i++)
    if (g_devices[i].used && _wcsicmp(g_devices[i].name, Name) == 0) found = i;
  ReleaseSRWLockShared(&g_lock);
  if (found < 0) {
    /* Like wintun.dll, a failed open is reported through the logger too (level error). */
    logLine(2, L"Open: no adapter of that name");
    SetLastError(ERROR_NOT_FOUND);
    return NULL;
  }
  return newAdapter(found, FALSE);
}

STANDIN_API void WINAPI WintunCloseAdapter(void *Adapter_) {
  Adapter *a = asAdapter(Adapter_);
  if (!a) return;
  if (a->owner) {
    AcquireSRWLockExclusive(&g_lock);
    removeDeviceSessions(a->device);
    g_devices[a->device].used = FALSE;
    ReleaseSRWLockExclusive(&g_lock);
  }
  a->magic = 0;
  HeapFree(GetProcessHeap(), 0, a);
}

STANDIN_API BOOL WINAPI WintunDeleteDriver(void) {
  AcquireSRWLockShared(&g_lock);
  BOOL busy = FALSE;
  for (int i = 0; i < MAX_ADAPTERS; i++) busy |= g_devices[i].used;
  ReleaseSRWLockShared(&g_lock);
  if (busy) {
    SetLastError(ERROR_GEN_FAILURE);
    return FALSE;
  }
  return TRUE;
}

STANDIN_API void WINAPI WintunGetAdapterLUID(void *Adapter_, STANDIN_LUID *Luid) {
  Adapter *a = asAdapter(Adapter_);
  if (!Luid) return;
  Luid->Value = a ? g_devices[a->device].luid : 0;
}

STANDIN_API DWORD WINAPI WintunGetRunningDriverVersion(void) {
  AcquireSRWLockShared(&g_lock);
  BOOL loaded = FALSE;
  for (int i = 0; i < MAX_ADAPTERS; i++) loaded |= g_devices[i].used;
  ReleaseSRWLockShared(&g_lock);
  if (!loaded) {
    logLine(2, L"standin: Wintun driver is not loaded (Code 0x00000002)");
    SetLastError(ERROR_FILE_NOT_FOUND);
    return 0;
  }
  SetLastError(ERROR_SUCCESS);
  return (0u << 16) | 14u;
}

STANDIN_API void WINAPI WintunSetLogger(STANDIN_LOGGER NewLogger) {
  InterlockedExchangePointer((PVOID volatile *)&g_logger, (PVOID)NewLogger);
}

/* ---- sessions: the client side of wintun.dll over two rings, and the driver side played here ----
 *
 * Ring names are the driver's (spec section 1): the Send ring carries packets from the "stack" to
 * the client (the driver produces, WintunReceivePacket consumes), the Receive ring carries packets
 * from the client to the "stack" (WintunAllocateSendPacket produces, the driver consumes). */

#define RING_HEADER 12u
#define RING_TRAILER 0x10000u
#define RING_SENTINEL 0xFFFFFFFFu
#define RELEASE_BIT 0x80000000u
#define MAX_SESSIONS 256

#define STANDIN_MODE_ECHO 0u   /* a driver thread answers every IP packet (addresses swapped) */
#define STANDIN_MODE_QUEUES 1u /* nothing consumes the Receive ring but StandinSessionTake */
#define STANDIN_PATH_DLL 1u    /* WintunStartSession */
#define STANDIN_PATH_CLAIM 2u  /* StandinClaimRegistration (the project's own ring registration) */

typedef struct TunRing {
  volatile ULONG Head;
  volatile ULONG Tail;
  volatile LONG Alertable;
  BYTE Data[];
} TunRing;

typedef struct Session {
  DWORD magic;
  int device;
  DWORD capacity;
  DWORD mode;
  BYTE *region; /* VirtualAlloc'd: Send ring at 0, Receive ring at RingSize */
  TunRing *send;
  TunRing *receive;
  HANDLE readEvent;        /* Send.TailMoved: auto-reset, set on every Send Tail move */
  HANDLE receiveTailMoved; /* Receive.TailMoved: auto-reset, set by WintunSendPacket when Alertable */
  HANDLE rxStop;           /* manual-reset: the driver's receive side must stop (abort or disconnect) */
  HANDLE thread;           /* the echo thread, or NULL */

  /* Client, Send ring consumer (WintunReceivePacket / WintunReleaseReceivePacket). */
  CRITICAL_SECTION sendLock;
  DWORD sendHead, sendHeadRelease, sendOutstanding;
  /* Client, Receive ring producer (WintunAllocateSendPacket / WintunSendPacket). */
  CRITICAL_SECTION receiveLock;
  DWORD receiveTail, receiveTailRelease, receiveOutstanding;

  /* Driver side. */
  CRITICAL_SECTION injectLock; /* Send ring producer */
  DWORD injectTail;
  CRITICAL_SECTION takeLock; /* Receive ring consumer */
  CRITICAL_SECTION ctlLock;  /* disconnect */
  volatile LONG disconnected;
  volatile LONG rxStopRequested;
  volatile LONG refs; /* test-only exports in flight */

  volatile LONG injected, injectDropped, taken, discarded, echoed, alerts, misuse, rxAborted;
} Session;

typedef struct STANDIN_SESSION_STATS {
  ULONG64 SendRing;         /* address of the Send ring's header (Head, Tail, Alertable, Data) */
  ULONG64 ReceiveRing;      /* address of the Receive ring's header */
  ULONG64 ReceiveTailMoved; /* the Receive ring's event (the read-wait event is the Send ring's) */
  DWORD Capacity;
  DWORD Mode;
  DWORD Injected;      /* records the driver side wrote into the Send ring */
  DWORD InjectDropped; /* packets the driver side dropped because the Send ring was full */
  DWORD Taken;         /* IP packets the driver side consumed from the Receive ring */
  DWORD Discarded;     /* non-IP records the driver side consumed and discarded */
  DWORD Echoed;        /* packets the echo thread answered */
  DWORD Alerts;        /* SetEvent(Receive.TailMoved) calls by WintunSendPacket */
  DWORD Misuse;        /* release/send of a pointer that is not an outstanding packet */
  DWORD ReceiveOutstanding; /* packets WintunReceivePacket handed out, not yet released */
  DWORD SendOutstanding;    /* packets allocated and not yet published */
  DWORD Flags;              /* bit 0: unregistered (driver side ended), bit 1: receive direction aborted */
} STANDIN_SESSION_STATS;

static Session *asSession(void *handle) {
  Session *s = (Session *)handle;
  return (s && s->magic == SESSION_MAGIC) ? s : NULL;
}

static SRWLOCK g_sessionsLock = SRWLOCK_INIT;
static Session *g_sessions[MAX_SESSIONS];

static inline DWORD align4(DWORD n) { return (n + 3u) & ~3u; }
static inline ULONG loadAcquire(volatile ULONG *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
static inline void storeRelease(volatile ULONG *p, ULONG v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }

static BOOL validCapacity(DWORD c) { return c >= MIN_CAPACITY && c <= MAX_CAPACITY && (c & (c - 1)) == 0; }

/* Test-only exports take a reference on a live session so WintunEndSession waits for them. */
static Session *refSession(void *handle) {
  Session *s = NULL;
  AcquireSRWLockShared(&g_sessionsLock);
  for (int i = 0; i < MAX_SESSIONS; i++)
    if (handle && g_sessions[i] == handle) {
      s = g_sessions[i];
      InterlockedIncrement(&s->refs);
      break;
    }
  ReleaseSRWLockShared(&g_sessionsLock);
  if (!s) SetLastError(ERROR_INVALID_HANDLE);
  return s;
}
static void unrefSession(Session *s) { InterlockedDecrement(&s->refs); }

static void misuse(Session *s, const WCHAR *what, const void *packet) {
  InterlockedIncrement(&s->misuse);
  WCHAR line[200];
  swprintf(line, 200, L"standin: %ls: %p is not an outstanding packet of this session", what, packet);
  logLine(2, line);
}

/* Whether the record at `target` is one of the `count` records from `from` and its release bit
   equals `bit`. */
static BOOL isOutstanding(const TunRing *ring, DWORD mask, DWORD from, DWORD count, DWORD target, DWORD bit) {
  DWORD off = from;
  for (DWORD i = 0; i < count; i++) {
    DWORD size = *(const volatile ULONG *)(ring->Data + off);
    if (off == target) return (size & RELEASE_BIT) == bit;
    off = (off + align4(4 + (size & ~RELEASE_BIT))) & mask;
  }
  return FALSE;
}

/* The record offset of a payload pointer, or RING_SENTINEL when it cannot be one. */
static DWORD recordOffset(const TunRing *ring, DWORD capacity, const BYTE *packet) {
  ULONG_PTR p = (ULONG_PTR)packet, base = (ULONG_PTR)ring->Data;
  if (p < base + 4 || p - base - 4 >= capacity || ((p - base) & 3u)) return RING_SENTINEL;
  return (DWORD)(p - base - 4);
}

/* -- driver side -- */

/* Writes one record into the Send ring as the driver does: whole or not at all (dropped when it
   does not fit), Tail published with release semantics, the read event set on every Tail move. */
static DWORD driverInject(Session *s, const BYTE *bytes, DWORD len) {
  if (len > MAX_PACKET) return ERROR_INVALID_PARAMETER;
  DWORD err = ERROR_SUCCESS;
  EnterCriticalSection(&s->injectLock);
  TunRing *r = s->send;
  DWORD mask = s->capacity - 1;
  DWORD head = loadAcquire(&r->Head);
  if (s->disconnected) {
    err = ERROR_HANDLE_EOF;
  } else if (head >= s->capacity) {
    err = ERROR_NOT_READY; /* the client wrote an invalid Head: the driver drops everything */
    InterlockedIncrement(&s->injectDropped);
  } else {
    DWORD aligned = align4(4 + len);
    DWORD space = (head - s->injectTail - 4) & mask;
    if (aligned > space) {
      err = ERROR_BUFFER_OVERFLOW;
      InterlockedIncrement(&s->injectDropped);
    } else {
      BYTE *rec = r->Data + s->injectTail;
      *(volatile ULONG *)rec = len;
      if (len) CopyMemory(rec + 4, bytes, len);
      s->injectTail = (s->injectTail + aligned) & mask;
      storeRelease(&r->Tail, s->injectTail);
      SetEvent(s->readEvent);
      InterlockedIncrement(&s->injected);
    }
  }
  LeaveCriticalSection(&s->injectLock);
  return err;
}

static void abortReceive(Session *s) {
  storeRelease(&s->receive->Head, RING_SENTINEL);
  InterlockedExchange(&s->rxAborted, 1);
}

/* Consumes the Receive ring as the driver does: non-IP records are discarded (Head moves on), a
   corrupt ring aborts the receive direction (Head = 0xFFFFFFFF), an empty ring is waited for with
   the Alertable handshake for up to `timeoutMs`. Returns the size of the IP packet copied to
   `out`, or 0 with *err set. Called under takeLock. `log`: whether an abort may call the logger
   (never from the echo thread: a JS logger runs on the JS thread, which may be joining it). */
static DWORD driverReceive(Session *s, BYTE *out, DWORD cap, DWORD timeoutMs, BOOL log, DWORD *err) {
  TunRing *r = s->receive;
  DWORD mask = s->capacity - 1;
  DWORD start = GetTickCount();
  for (;;) {
    DWORD head = r->Head; /* only this side writes it */
    if (s->disconnected || head >= s->capacity) {
      *err = ERROR_HANDLE_EOF;
      return 0;
    }
    if (s->rxStopRequested) {
      abortReceive(s);
      *err = ERROR_HANDLE_EOF;
      return 0;
    }
    DWORD tail = loadAcquire(&r->Tail);
    if (tail == head) {
      DWORD elapsed = GetTickCount() - start;
      DWORD remaining = timeoutMs == INFINITE ? INFINITE : elapsed >= timeoutMs ? 0 : timeoutMs - elapsed;
      if (remaining == 0) {
        *err = ERROR_NO_MORE_ITEMS;
        return 0;
      }
      __atomic_store_n(&r->Alertable, 1, __ATOMIC_RELEASE);
      __atomic_thread_fence(__ATOMIC_SEQ_CST);
      if (loadAcquire(&r->Tail) == head) {
        HANDLE waits[2] = {s->rxStop, s->receiveTailMoved};
        WaitForMultipleObjects(2, waits, FALSE, remaining);
        __atomic_store_n(&r->Alertable, 0, __ATOMIC_RELEASE);
      } else {
        __atomic_store_n(&r->Alertable, 0, __ATOMIC_RELEASE);
        ResetEvent(s->receiveTailMoved);
      }
      continue;
    }
    DWORD content = (tail - head) & mask;
    DWORD size = tail >= s->capacity || content < 4 ? RING_SENTINEL : *(volatile ULONG *)(r->Data + head);
    if (size > MAX_PACKET || align4(4 + size) > content) {
      abortReceive(s);
      if (log) logLine(2, L"standin driver: the Receive ring is corrupt; the receive direction is aborted (Head = 0xFFFFFFFF)");
      *err = ERROR_INVALID_DATA;
      return 0;
    }
    const BYTE *pkt = r->Data + head + 4;
    DWORD next = (head + align4(4 + size)) & mask;
    BOOL ip = (size >= 20 && (pkt[0] >> 4) == 4) || (size >= 40 && (pkt[0] >> 4) == 6);
    if (!ip) {
      InterlockedIncrement(&s->discarded);
      storeRelease(&r->Head, next);
      continue;
    }
    if (size > cap) {
      *err = ERROR_INSUFFICIENT_BUFFER;
      return 0;
    }
    CopyMemory(out, pkt, size);
    storeRelease(&r->Head, next);
    InterlockedIncrement(&s->taken);
    return size;
  }
}

static void swapAddresses(BYTE *p, DWORD size) {
  DWORD at = (p[0] >> 4) == 4 ? 12 : 8, n = (p[0] >> 4) == 4 ? 4 : 16;
  BYTE tmp[16];
  if (size < at + 2 * n) return;
  CopyMemory(tmp, p + at, n);
  CopyMemory(p + at, p + at + n, n);
  CopyMemory(p + at + n, tmp, n);
}

/* The echo driver: waits for packets the client sends and answers each IP packet. */
static DWORD WINAPI echoThread(LPVOID param) {
  Session *s = (Session *)param;
  BYTE *buf = (BYTE *)HeapAlloc(GetProcessHeap(), 0, MAX_PACKET);
  if (!buf) return 1;
  for (;;) {
    DWORD err = ERROR_SUCCESS;
    EnterCriticalSection(&s->takeLock);
    DWORD size = driverReceive(s, buf, MAX_PACKET, INFINITE, FALSE, &err);
    LeaveCriticalSection(&s->takeLock);
    if (!size) break;
    swapAddresses(buf, size);
    if (driverInject(s, buf, size) == ERROR_SUCCESS) InterlockedIncrement(&s->echoed);
  }
  HeapFree(GetProcessHeap(), 0, buf);
  return 0;
}

/* Unregistration as the driver does it (spec 3.3): the receive side stops (Head = 0xFFFFFFFF),
   then Send Tail = 0xFFFFFFFF and the read event is set, which wakes a waiting reader.
   Idempotent; never touches g_lock. */
static void driverDisconnect(Session *s) {
  EnterCriticalSection(&s->ctlLock);
  if (!s->disconnected) {
    InterlockedExchange(&s->disconnected, 1);
    SetEvent(s->rxStop);
    if (s->thread) {
      WaitForSingleObject(s->thread, INFINITE);
      CloseHandle(s->thread);
      s->thread = NULL;
    }
    EnterCriticalSection(&s->takeLock);
    storeRelease(&s->receive->Head, RING_SENTINEL);
    LeaveCriticalSection(&s->takeLock);
    EnterCriticalSection(&s->injectLock);
    storeRelease(&s->send->Tail, RING_SENTINEL);
    SetEvent(s->readEvent);
    LeaveCriticalSection(&s->injectLock);
  }
  LeaveCriticalSection(&s->ctlLock);
}

/* Ends every DLL session of a device being removed (PnP removal closes the owner's handle).
   Called with g_lock held exclusively. */
static void removeDeviceSessions(int device) {
  Session *s = (Session *)g_devices[device].session;
  if (s) {
    driverDisconnect(s);
    g_devices[device].session = NULL;
  }
  g_devices[device].claimed = FALSE;
}

/* -- client side: the exports -- */

static void freeSessionMemory(Session *s) {
  if (s->readEvent) CloseHandle(s->readEvent);
  if (s->receiveTailMoved) CloseHandle(s->receiveTailMoved);
  if (s->rxStop) CloseHandle(s->rxStop);
  if (s->region) VirtualFree(s->region, 0, MEM_RELEASE);
  HeapFree(GetProcessHeap(), 0, s);
}

STANDIN_API void *WINAPI WintunStartSession(void *Adapter_, DWORD Capacity) {
  Adapter *a = asAdapter(Adapter_);
  if (!a) {
    SetLastError(ERROR_INVALID_PARAMETER);
    return NULL;
  }
  /* As wintun.dll: allocate both rings in one region and create both events, then "register"
     (the checks the driver makes, in its order); any failure frees everything. */
  DWORD ringSize = Capacity + RING_HEADER + RING_TRAILER;
  Session *s = (Session *)HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, sizeof(Session));
  if (!s) {
    SetLastError(ERROR_NOT_ENOUGH_MEMORY);
    return NULL;
  }
  s->region = (BYTE *)VirtualAlloc(NULL, (SIZE_T)ringSize * 2, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
  if (s->region) s->readEvent = CreateEventW(NULL, FALSE, FALSE, NULL);
  if (s->readEvent) s->receiveTailMoved = CreateEventW(NULL, FALSE, FALSE, NULL);
  if (s->receiveTailMoved) s->rxStop = CreateEventW(NULL, TRUE, FALSE, NULL);
  if (!s->rxStop) {
    DWORD err = GetLastError();
    freeSessionMemory(s);
    SetLastError(err);
    return NULL;
  }
  s->capacity = Capacity;
  s->send = (TunRing *)s->region;
  s->receive = (TunRing *)(s->region + ringSize);
  s->device = a->device;
  InitializeCriticalSectionAndSpinCount(&s->sendLock, 0x10000);
  InitializeCriticalSectionAndSpinCount(&s->receiveLock, 0x10000);
  InitializeCriticalSection(&s->injectLock);
  InitializeCriticalSection(&s->takeLock);
  InitializeCriticalSection(&s->ctlLock);
  s->magic = SESSION_MAGIC;

  DWORD err = ERROR_SUCCESS;
  AcquireSRWLockExclusive(&g_lock);
  Device *d = &g_devices[a->device];
  if (!d->used)
    err = ERROR_FILE_NOT_FOUND;
  else if (d->failCode && (d->failPaths & STANDIN_PATH_DLL))
    err = d->failCode;
  else if (d->session || d->claimed)
    err = ERROR_ALREADY_INITIALIZED;
  else if (!validCapacity(Capacity))
    err = ERROR_INVALID_PARAMETER;
  if (err == ERROR_SUCCESS) {
    s->mode = d->mode;
    if (s->mode == STANDIN_MODE_ECHO) {
      s->thread = CreateThread(NULL, 0, echoThread, s, 0, NULL);
      if (!s->thread) err = GetLastError();
    }
  }
  if (err == ERROR_SUCCESS) {
    AcquireSRWLockExclusive(&g_sessionsLock);
    int slot = -1;
    for (int i = 0; i < MAX_SESSIONS && slot < 0; i++)
      if (!g_sessions[i]) slot = i;
    if (slot >= 0) g_sessions[slot] = s;
    ReleaseSRWLockExclusive(&g_sessionsLock);
    if (slot < 0) {
      err = ERROR_NOT_ENOUGH_MEMORY;
      driverDisconnect(s);
    } else {
      d->session = s;
    }
  }
  ReleaseSRWLockExclusive(&g_lock);
  if (err != ERROR_SUCCESS) {
    WCHAR line[160];
    swprintf(line, 160, L"standin: Failed to register rings (Code 0x%08lX)", (unsigned long)err);
    logLine(2, line);
    s->magic = 0;
    DeleteCriticalSection(&s->sendLock);
    DeleteCriticalSection(&s->receiveLock);
    DeleteCriticalSection(&s->injectLock);
    DeleteCriticalSection(&s->takeLock);
    DeleteCriticalSection(&s->ctlLock);
    freeSessionMemory(s);
    SetLastError(err);
    return NULL;
  }
  SetLastError(ERROR_SUCCESS);
  return s;
}

STANDIN_API void WINAPI WintunEndSession(void *Session_) {
  Session *s = asSession(Session_);
  if (!s) return;
  AcquireSRWLockExclusive(&g_sessionsLock);
  for (int i = 0; i < MAX_SESSIONS; i++)
    if (g_sessions[i] == s) g_sessions[i] = NULL;
  ReleaseSRWLockExclusive(&g_sessionsLock);
  AcquireSRWLockExclusive(&g_lock);
  if (g_devices[s->device].session == s) g_devices[s->device].session = NULL;
  ReleaseSRWLockExclusive(&g_lock);
  /* As closing the device handle: unregisters (stops the driver side) before the memory goes. */
  driverDisconnect(s);
  while (s->refs) Sleep(1);
  s->magic = 0;
  DeleteCriticalSection(&s->sendLock);
  DeleteCriticalSection(&s->receiveLock);
  DeleteCriticalSection(&s->injectLock);
  DeleteCriticalSection(&s->takeLock);
  DeleteCriticalSection(&s->ctlLock);
  freeSessionMemory(s);
}

STANDIN_API HANDLE WINAPI WintunGetReadWaitEvent(void *Session_) {
  Session *s = asSession(Session_);
  if (!s) SetLastError(ERROR_INVALID_PARAMETER);
  return s ? s->readEvent : NULL;
}

STANDIN_API BYTE *WINAPI WintunReceivePacket(void *Session_, DWORD *PacketSize) {
  Session *s = asSession(Session_);
  if (!s || !PacketSize) {
    SetLastError(ERROR_INVALID_PARAMETER);
    return NULL;
  }
  BYTE *packet = NULL;
  DWORD err = ERROR_SUCCESS;
  EnterCriticalSection(&s->sendLock);
  TunRing *r = s->send;
  DWORD tail;
  if (s->sendHead >= s->capacity) {
    err = ERROR_HANDLE_EOF;
  } else if ((tail = loadAcquire(&r->Tail)) >= s->capacity) {
    err = ERROR_HANDLE_EOF; /* unregistered: unread packets are abandoned */
  } else if (tail == s->sendHead) {
    err = ERROR_NO_MORE_ITEMS;
  } else {
    DWORD content = (tail - s->sendHead) & (s->capacity - 1);
    DWORD size = content < 4 ? RING_SENTINEL : *(volatile ULONG *)(r->Data + s->sendHead);
    if (size > MAX_PACKET || align4(4 + size) > content) {
      err = ERROR_INVALID_DATA; /* sticky: nothing advances */
    } else {
      *PacketSize = size;
      packet = r->Data + s->sendHead + 4;
      s->sendHead = (s->sendHead + align4(4 + size)) & (s->capacity - 1);
      s->sendOutstanding++;
    }
  }
  LeaveCriticalSection(&s->sendLock);
  SetLastError(err);
  return packet;
}

STANDIN_API void WINAPI WintunReleaseReceivePacket(void *Session_, const BYTE *Packet) {
  Session *s = asSession(Session_);
  if (!s) return;
  EnterCriticalSection(&s->sendLock);
  TunRing *r = s->send;
  DWORD mask = s->capacity - 1;
  DWORD at = recordOffset(r, s->capacity, Packet);
  if (at == RING_SENTINEL || !isOutstanding(r, mask, s->sendHeadRelease, s->sendOutstanding, at, 0)) {
    LeaveCriticalSection(&s->sendLock);
    misuse(s, L"WintunReleaseReceivePacket", Packet);
    return;
  }
  *(volatile ULONG *)(r->Data + at) |= RELEASE_BIT;
  while (s->sendOutstanding) {
    DWORD size = *(volatile ULONG *)(r->Data + s->sendHeadRelease);
    if (!(size & RELEASE_BIT)) break;
    s->sendHeadRelease = (s->sendHeadRelease + align4(4 + (size & ~RELEASE_BIT))) & mask;
    s->sendOutstanding--;
  }
  storeRelease(&r->Head, s->sendHeadRelease);
  LeaveCriticalSection(&s->sendLock);
}

STANDIN_API BYTE *WINAPI WintunAllocateSendPacket(void *Session_, DWORD PacketSize) {
  Session *s = asSession(Session_);
  /* wintun.dll does not check the size; a record over 0xFFFF would abort the driver's receive
     side or run past the ring, so the stand-in refuses it before touching the ring. */
  if (!s || PacketSize > MAX_PACKET) {
    SetLastError(ERROR_INVALID_PARAMETER);
    return NULL;
  }
  BYTE *packet = NULL;
  DWORD err = ERROR_SUCCESS;
  EnterCriticalSection(&s->receiveLock);
  TunRing *r = s->receive;
  DWORD head;
  if (s->receiveTail >= s->capacity) {
    err = ERROR_HANDLE_EOF;
  } else if ((head = loadAcquire(&r->Head)) >= s->capacity) {
    err = ERROR_HANDLE_EOF; /* the driver aborted or unregistered */
  } else {
    DWORD aligned = align4(4 + PacketSize);
    if (aligned > ((head - s->receiveTail - 4) & (s->capacity - 1))) {
      err = ERROR_BUFFER_OVERFLOW;
    } else {
      *(volatile ULONG *)(r->Data + s->receiveTail) = PacketSize | RELEASE_BIT;
      packet = r->Data + s->receiveTail + 4;
      s->receiveTail = (s->receiveTail + aligned) & (s->capacity - 1);
      s->receiveOutstanding++;
    }
  }
  LeaveCriticalSection(&s->receiveLock);
  SetLastError(err);
  return packet;
}

STANDIN_API void WINAPI WintunSendPacket(void *Session_, const BYTE *Packet) {
  Session *s = asSession(Session_);
  if (!s) return;
  EnterCriticalSection(&s->receiveLock);
  TunRing *r = s->receive;
  DWORD mask = s->capacity - 1;
  DWORD at = recordOffset(r, s->capacity, Packet);
  if (at == RING_SENTINEL || !isOutstanding(r, mask, s->receiveTailRelease, s->receiveOutstanding, at, RELEASE_BIT)) {
    LeaveCriticalSection(&s->receiveLock);
    misuse(s, L"WintunSendPacket", Packet);
    return;
  }
  *(volatile ULONG *)(r->Data + at) &= ~RELEASE_BIT;
  while (s->receiveOutstanding) {
    DWORD size = *(volatile ULONG *)(r->Data + s->receiveTailRelease);
    if (size & RELEASE_BIT) break;
    s->receiveTailRelease = (s->receiveTailRelease + align4(4 + size)) & mask;
    s->receiveOutstanding--;
  }
  if (r->Tail != s->receiveTailRelease) {
    storeRelease(&r->Tail, s->receiveTailRelease);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (__atomic_load_n(&r->Alertable, __ATOMIC_ACQUIRE)) {
      InterlockedIncrement(&s->alerts);
      SetEvent(s->receiveTailMoved);
    }
  }
  LeaveCriticalSection(&s->receiveLock);
}

/* ---- test-only exports ---- */

/* Copies the adapter's recorded name and tunnel type (NAME_CAP wide characters each, NUL
   terminated) and GUID; FALSE with ERROR_INVALID_HANDLE for a bad handle. */
STANDIN_API BOOL WINAPI StandinGetAdapterInfo(void *Adapter_, WCHAR *Name, WCHAR *TunnelType, GUID *Guid) {
  Adapter *a = asAdapter(Adapter_);
  if (!a) {
    SetLastError(ERROR_INVALID_HANDLE);
    return FALSE;
  }
  AcquireSRWLockShared(&g_lock);
  Device *d = &g_devices[a->device];
  if (Name) wcsncpy(Name, d->name, NAME_CAP);
  if (TunnelType) wcsncpy(TunnelType, d->type, NAME_CAP);
  if (Guid) *Guid = d->guid;
  ReleaseSRWLockShared(&g_lock);
  return TRUE;
}

/* Starts a thread that calls the logger Count times with "<Text> #i (thread <id>)"; does not wait. */
STANDIN_API BOOL WINAPI StandinLogFromThread(int Level, const WCHAR *Text, DWORD Count) {
  return startLogThread(Level, Text, Count);
}

/* The calling thread's id, to compare with the id a logger line names. */
STANDIN_API DWORD WINAPI StandinCurrentThreadId(void) {
  return GetCurrentThreadId();
}

/* How many adapters exist. */
STANDIN_API DWORD WINAPI StandinAdapterCount(void) {
  AcquireSRWLockShared(&g_lock);
  DWORD n = 0;
  for (int i = 0; i < MAX_ADAPTERS; i++) n += g_devices[i].used ? 1 : 0;
  ReleaseSRWLockShared(&g_lock);
  return n;
}

/* Finds the device with this LUID; -1 when none. Called with g_lock held. */
static int deviceByLuid(ULONG64 luid) {
  for (int i = 0; i < MAX_ADAPTERS; i++)
    if (g_devices[i].used && g_devices[i].luid == luid) return i;
  return -1;
}

/* Chooses what plays the driver for sessions started later on the adapter with this LUID:
   STANDIN_MODE_ECHO (0, the default) or STANDIN_MODE_QUEUES (1). FALSE with ERROR_NOT_FOUND
   (no such adapter) or ERROR_INVALID_PARAMETER. */
STANDIN_API BOOL WINAPI StandinSetDriverMode(ULONG64 Luid, DWORD Mode) {
  if (Mode > STANDIN_MODE_QUEUES) {
    SetLastError(ERROR_INVALID_PARAMETER);
    return FALSE;
  }
  AcquireSRWLockExclusive(&g_lock);
  int i = deviceByLuid(Luid);
  if (i >= 0) g_devices[i].mode = Mode;
  ReleaseSRWLockExclusive(&g_lock);
  if (i < 0) SetLastError(ERROR_NOT_FOUND);
  return i >= 0;
}

/* Makes ring registration fail with `Code` (0 clears) for the adapter with this LUID, on the
   paths in `Paths`: STANDIN_PATH_DLL (1, WintunStartSession) and/or STANDIN_PATH_CLAIM (2,
   StandinClaimRegistration). Lasts until cleared or the adapter is removed. */
STANDIN_API BOOL WINAPI StandinFailRegistration(ULONG64 Luid, DWORD Code, DWORD Paths) {
  AcquireSRWLockExclusive(&g_lock);
  int i = deviceByLuid(Luid);
  if (i >= 0) {
    g_devices[i].failCode = Code;
    g_devices[i].failPaths = Code ? Paths : 0;
  }
  ReleaseSRWLockExclusive(&g_lock);
  if (i < 0) SetLastError(ERROR_NOT_FOUND);
  return i >= 0;
}

/* Takes the adapter's one registration slot for a registration made outside the DLL (the
   project's own rings, e.g. through its emulated driver), so that the driver's "one registration
   per adapter" holds across both paths. Returns 0 when taken, else the Win32 error the driver
   would give: the forced code (StandinFailRegistration), ERROR_ALREADY_INITIALIZED, or
   ERROR_NOT_FOUND when no adapter has this LUID. */
STANDIN_API DWORD WINAPI StandinClaimRegistration(ULONG64 Luid) {
  DWORD err = ERROR_SUCCESS;
  AcquireSRWLockExclusive(&g_lock);
  int i = deviceByLuid(Luid);
  if (i < 0)
    err = ERROR_NOT_FOUND;
  else if (g_devices[i].failCode && (g_devices[i].failPaths & STANDIN_PATH_CLAIM))
    err = g_devices[i].failCode;
  else if (g_devices[i].session || g_devices[i].claimed)
    err = ERROR_ALREADY_INITIALIZED;
  else
    g_devices[i].claimed = TRUE;
  ReleaseSRWLockExclusive(&g_lock);
  return err;
}

/* Gives back a slot taken by StandinClaimRegistration. FALSE when it was not claimed. */
STANDIN_API BOOL WINAPI StandinReleaseRegistration(ULONG64 Luid) {
  AcquireSRWLockExclusive(&g_lock);
  int i = deviceByLuid(Luid);
  BOOL was = i >= 0 && g_devices[i].claimed;
  if (was) g_devices[i].claimed = FALSE;
  ReleaseSRWLockExclusive(&g_lock);
  if (!was) SetLastError(ERROR_NOT_FOUND);
  return was;
}

/* 0: not registered, 1: a DLL session holds the adapter, 2: claimed (StandinClaimRegistration),
   0xFFFFFFFF: no adapter has this LUID. */
STANDIN_API DWORD WINAPI StandinRegistrationState(ULONG64 Luid) {
  AcquireSRWLockShared(&g_lock);
  int i = deviceByLuid(Luid);
  DWORD state = i < 0 ? 0xFFFFFFFFu : g_devices[i].session ? 1u : g_devices[i].claimed ? 2u : 0u;
  ReleaseSRWLockShared(&g_lock);
  return state;
}

/* The driver routes a packet into the tunnel: writes it into the session's Send ring (dropped
   when it does not fit, as the driver drops) and sets the read event. FALSE with
   ERROR_BUFFER_OVERFLOW (dropped: ring full), ERROR_HANDLE_EOF (unregistered), ERROR_NOT_READY
   (the client's Send Head is invalid), ERROR_INVALID_PARAMETER (Length > 0xFFFF), or
   ERROR_INVALID_HANDLE (not a live session). */
STANDIN_API BOOL WINAPI StandinSessionInject(void *Session_, const BYTE *Bytes, DWORD Length) {
  Session *s = refSession(Session_);
  if (!s) return FALSE;
  DWORD err = driverInject(s, Bytes, Length);
  unrefSession(s);
  SetLastError(err);
  return err == ERROR_SUCCESS;
}

/* The driver takes the next packet the client sent (sessions in STANDIN_MODE_QUEUES): records
   that are not IPv4/IPv6 are discarded on the way, as the driver discards them. Waits up to
   TimeoutMs for one (the driver's Alertable handshake; 0: no wait). Returns the packet's size
   (copied to Buffer), or 0 with the last error: ERROR_NO_MORE_ITEMS (none), ERROR_HANDLE_EOF
   (the receive direction has ended), ERROR_INVALID_DATA (the ring was corrupt: this call aborted
   the receive direction), ERROR_INSUFFICIENT_BUFFER (not consumed), ERROR_NOT_SUPPORTED (the
   session's echo thread consumes the ring), ERROR_INVALID_HANDLE. */
STANDIN_API DWORD WINAPI StandinSessionTake(void *Session_, BYTE *Buffer, DWORD BufferSize, DWORD TimeoutMs) {
  Session *s = refSession(Session_);
  if (!s) return 0;
  DWORD err = ERROR_SUCCESS, size = 0;
  if (s->mode != STANDIN_MODE_QUEUES) {
    err = ERROR_NOT_SUPPORTED;
  } else {
    EnterCriticalSection(&s->takeLock);
    size = driverReceive(s, Buffer, BufferSize, TimeoutMs, TRUE, &err);
    LeaveCriticalSection(&s->takeLock);
  }
  unrefSession(s);
  SetLastError(size ? ERROR_SUCCESS : err);
  return size;
}

/* The driver unregisters the session's rings (as on adapter removal): its receive side stops
   (Receive Head = 0xFFFFFFFF), Send Tail = 0xFFFFFFFF, the read event is set, and the adapter's
   registration slot is free again. The session itself stays valid until WintunEndSession. */
STANDIN_API BOOL WINAPI StandinSessionEnd(void *Session_) {
  Session *s = refSession(Session_);
  if (!s) return FALSE;
  driverDisconnect(s);
  AcquireSRWLockExclusive(&g_lock);
  if (g_devices[s->device].session == s) g_devices[s->device].session = NULL;
  ReleaseSRWLockExclusive(&g_lock);
  unrefSession(s);
  return TRUE;
}

/* The driver's receive side aborts (Receive Head = 0xFFFFFFFF): allocations fail with
   ERROR_HANDLE_EOF from now on while the Send ring keeps working. */
STANDIN_API BOOL WINAPI StandinSessionAbort(void *Session_) {
  Session *s = refSession(Session_);
  if (!s) return FALSE;
  InterlockedExchange(&s->rxStopRequested, 1);
  SetEvent(s->rxStop);
  EnterCriticalSection(&s->takeLock);
  abortReceive(s);
  LeaveCriticalSection(&s->takeLock);
  unrefSession(s);
  return TRUE;
}

/* Fills *Stats (see STANDIN_SESSION_STATS). FALSE with ERROR_INVALID_HANDLE for a dead session. */
STANDIN_API BOOL WINAPI StandinSessionStats(void *Session_, STANDIN_SESSION_STATS *Stats) {
  Session *s = refSession(Session_);
  if (!s) return FALSE;
  if (!Stats) {
    unrefSession(s);
    SetLastError(ERROR_INVALID_PARAMETER);
    return FALSE;
  }
  ZeroMemory(Stats, sizeof(*Stats));
  Stats->SendRing = (ULONG64)(ULONG_PTR)s->send;
  Stats->ReceiveRing = (ULONG64)(ULONG_PTR)s->receive;
  Stats->ReceiveTailMoved = (ULONG64)(ULONG_PTR)s->receiveTailMoved;
  Stats->Capacity = s->capacity;
  Stats->Mode = s->mode;
  Stats->Injected = (DWORD)s->injected;
  Stats->InjectDropped = (DWORD)s->injectDropped;
  Stats->Taken = (DWORD)s->taken;
  Stats->Discarded = (DWORD)s->discarded;
  Stats->Echoed = (DWORD)s->echoed;
  Stats->Alerts = (DWORD)s->alerts;
  Stats->Misuse = (DWORD)s->misuse;
  EnterCriticalSection(&s->sendLock);
  Stats->ReceiveOutstanding = s->sendOutstanding;
  LeaveCriticalSection(&s->sendLock);
  EnterCriticalSection(&s->receiveLock);
  Stats->SendOutstanding = s->receiveOutstanding;
  LeaveCriticalSection(&s->receiveLock);
  Stats->Flags = (s->disconnected ? 1u : 0u) | (s->receive->Head >= s->capacity ? 2u : 0u);
  unrefSession(s);
  SetLastError(ERROR_SUCCESS);
  return TRUE;
}
