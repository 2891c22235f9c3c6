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
 *   - WintunOpenAdapter: case-insensitive lookup of created adapters; ERROR_NOT_FOUND otherwise.
 *   - WintunCloseAdapter: NULL allowed; closing the creating handle removes the adapter.
 *   - WintunGetRunningDriverVersion: 0 with ERROR_FILE_NOT_FOUND while no adapter exists (driver
 *     not loaded), else 0x0000000E (0.14).
 *   - WintunDeleteDriver: FALSE with ERROR_GEN_FAILURE while adapters exist, else TRUE.
 *   - Sessions: one single-slot loopback per session: a sent packet is received back.
 *   - Test-only exports: StandinGetAdapterInfo, StandinLogFromThread, StandinCurrentThreadId,
 *     StandinAdapterCount.
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
} Device;

typedef struct Adapter {
  DWORD magic;
  int device; /* index into g_devices */
  BOOL owner;
} Adapter;

typedef struct Session {
  DWORD magic;
  HANDLE readEvent;
  CRITICAL_SECTION lock;
  BYTE *slot;         /* VirtualAlloc'd: [0, MAX_PACKET) send slot, [MAX_PACKET, 2*MAX_PACKET) receive slot */
  DWORD allocated;    /* size of the allocated, not yet sent packet, or 0 */
  DWORD pending;      /* size of the packet waiting to be received, or 0 */
  BOOL handedOut;
} Session;

#define ADAPTER_MAGIC 0x41444150u
#define SESSION_MAGIC 0x53455353u

static SRWLOCK g_lock = SRWLOCK_INIT;
static Device g_devices[MAX_ADAPTERS];
static volatile STANDIN_LOGGER g_logger;
static LONG g_counter;

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

static Session *asSession(void *handle) {
  Session *s = (Session *)handle;
  return (s && s->magic == SESSION_MAGIC) ? s : NULL;
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

STANDIN_API void *WINAPI WintunStartSession(void *Adapter_, DWORD Capacity) {
  if (!asAdapter(Adapter_) || Capacity < MIN_CAPACITY || Capacity > MAX_CAPACITY || (Capacity & (Capacity - 1))) {
    SetLastError(ERROR_INVALID_PARAMETER);
    return NULL;
  }
  Session *s = (Session *)HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, sizeof(Session));
  if (!s) {
    SetLastError(ERROR_NOT_ENOUGH_MEMORY);
    return NULL;
  }
  s->slot = (BYTE *)VirtualAlloc(NULL, 2 * MAX_PACKET, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
  s->readEvent = CreateEventW(NULL, FALSE, FALSE, NULL);
  if (!s->slot || !s->readEvent) {
    DWORD err = GetLastError();
    if (s->slot) VirtualFree(s->slot, 0, MEM_RELEASE);
    if (s->readEvent) CloseHandle(s->readEvent);
    HeapFree(GetProcessHeap(), 0, s);
    SetLastError(err);
    return NULL;
  }
  InitializeCriticalSection(&s->lock);
  s->magic = SESSION_MAGIC;
  return s;
}

STANDIN_API void WINAPI WintunEndSession(void *Session_) {
  Session *s = asSession(Session_);
  if (!s) return;
  s->magic = 0;
  DeleteCriticalSection(&s->lock);
  CloseHandle(s->readEvent);
  VirtualFree(s->slot, 0, MEM_RELEASE);
  HeapFree(GetProcessHeap(), 0, s);
}

STANDIN_API HANDLE WINAPI WintunGetReadWaitEvent(void *Session_) {
  Session *s = asSession(Session_);
  return s ? s->readEvent : NULL;
}

STANDIN_API BYTE *WINAPI WintunReceivePacket(void *Session_, DWORD *PacketSize) {
  Session *s = asSession(Session_);
  if (!s || !PacketSize) {
    SetLastError(ERROR_INVALID_PARAMETER);
    return NULL;
  }
  EnterCriticalSection(&s->lock);
  if (!s->pending || s->handedOut) {
    LeaveCriticalSection(&s->lock);
    SetLastError(ERROR_NO_MORE_ITEMS);
    return NULL;
  }
  *PacketSize = s->pending;
  s->handedOut = TRUE;
  LeaveCriticalSection(&s->lock);
  return s->slot + MAX_PACKET;
}

STANDIN_API void WINAPI WintunReleaseReceivePacket(void *Session_, const BYTE *Packet) {
  Session *s = asSession(Session_);
  if (!s || Packet != s->slot + MAX_PACKET) return;
  EnterCriticalSection(&s->lock);
  s->pending = 0;
  s->handedOut = FALSE;
  LeaveCriticalSection(&s->lock);
}

STANDIN_API BYTE *WINAPI WintunAllocateSendPacket(void *Session_, DWORD PacketSize) {
  Session *s = asSession(Session_);
  if (!s || PacketSize == 0 || PacketSize > MAX_PACKET) {
    SetLastError(ERROR_INVALID_PARAMETER);
    return NULL;
  }
  EnterCriticalSection(&s->lock);
  if (s->allocated || s->pending) {
    LeaveCriticalSection(&s->lock);
    SetLastError(ERROR_BUFFER_OVERFLOW);
    return NULL;
  }
  s->allocated = PacketSize;
  LeaveCriticalSection(&s->lock);
  return s->slot;
}

STANDIN_API void WINAPI WintunSendPacket(void *Session_, const BYTE *Packet) {
  Session *s = asSession(Session_);
  if (!s || Packet != s->slot) return;
  EnterCriticalSection(&s->lock);
  if (s->allocated) {
    CopyMemory(s->slot + MAX_PACKET, s->slot, s->allocated);
    s->pending = s->allocated;
    s->allocated = 0;
    SetEvent(s->readEvent);
  }
  LeaveCriticalSection(&s->lock);
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
