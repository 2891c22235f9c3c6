/**
 * Win32 error numbers that Wintun, its driver and the Windows APIs we call return (spec 2.3, 4.9,
 * 5). Named as in `winerror.h`.
 *
 * @module
 */

/** The operation completed successfully. */
export const ERROR_SUCCESS = 0;
/** The system cannot find the file specified (also: driver not loaded). */
export const ERROR_FILE_NOT_FOUND = 2;
/** The system cannot find the path specified. */
export const ERROR_PATH_NOT_FOUND = 3;
/** Access is denied (not elevated). */
export const ERROR_ACCESS_DENIED = 5;
/** The handle is invalid. */
export const ERROR_INVALID_HANDLE = 6;
/** Not enough memory resources are available. */
export const ERROR_NOT_ENOUGH_MEMORY = 8;
/** The data is invalid: the Send ring is corrupt (sticky). */
export const ERROR_INVALID_DATA = 13;
/** A device attached to the system is not functioning. */
export const ERROR_GEN_FAILURE = 31;
/** Reached the end of the file: the adapter is terminating; restart the session. */
export const ERROR_HANDLE_EOF = 38;
/** The request is not supported. */
export const ERROR_NOT_SUPPORTED = 50;
/** A duplicate name exists on the network. */
export const ERROR_DUP_NAME = 52;
/** The parameter is incorrect. */
export const ERROR_INVALID_PARAMETER = 87;
/** The file name is too long / the Receive ring is full: drop the packet. */
export const ERROR_BUFFER_OVERFLOW = 111;
/** The data area passed to a system call is too small. */
export const ERROR_INSUFFICIENT_BUFFER = 122;
/** The specified module could not be found. */
export const ERROR_MOD_NOT_FOUND = 126;
/** The specified procedure could not be found. */
export const ERROR_PROC_NOT_FOUND = 127;
/** Cannot create a file when that file already exists. */
export const ERROR_ALREADY_EXISTS = 183;
/** The image is not a valid application for this OS / architecture. */
export const ERROR_BAD_EXE_FORMAT = 193;
/** The wait operation timed out. */
export const WAIT_TIMEOUT = 258;
/** No more data is available: the Send ring is empty. */
export const ERROR_NO_MORE_ITEMS = 259;
/** The requested operation requires elevation. */
export const ERROR_ELEVATION_REQUIRED = 740;
/** The version could not be parsed. */
export const ERROR_VERSION_PARSE_ERROR = 777;
/** Element not found. */
export const ERROR_NOT_FOUND = 1168;
/** An attempt was made to perform an initialization operation when initialization has already been completed (second ring registration). */
export const ERROR_ALREADY_INITIALIZED = 1247;
/** The supplied user buffer is not valid for the requested operation (ring memory not committed or not writable). */
export const ERROR_INVALID_USER_BUFFER = 1784;
/** The device is not available. */
export const ERROR_DEVICE_NOT_AVAILABLE = 4319;
/** The object already exists. */
export const ERROR_OBJECT_ALREADY_EXISTS = 5010;
