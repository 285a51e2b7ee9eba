/*
 * file — reading a whole input file and replacing an output file, without ever hanging on
 * or destroying something that is not a regular file (issue 12 item 6, issue 11 item 7).
 * Reading opens without blocking, refuses directories, devices, sockets and (unless the
 * caller takes pipes) FIFOs by their type, and bounds the size.  Replacing follows symlinks
 * to the file they name and replaces that file (a temporary file in its directory, renamed
 * over it), keeping its mode and owner; it refuses anything but a regular file, a file with
 * several hard links, and any of the caller's input files, compared by device and inode so
 * another path or a hard link to the same file is caught too.  Blocking I/O: start-up and
 * command-line code only, never the event loop.
 */
#ifndef SYSBIND_FILE_H
#define SYSBIND_FILE_H

#include <stddef.h>
#include <sys/types.h>

/* file_read flags */
#define FILE_READ_PIPE 0x1   /* also read a pipe or FIFO (`--sslcert <(ssh host netsh ...)`) */

/*
 * Read path whole into a new NUL-terminated buffer (caller frees); *len gets its length
 * (the buffer may hold NUL bytes before it).  A file larger than max bytes, one that is not
 * a regular file (or a pipe, with FILE_READ_PIPE), and any I/O error are refused with
 * "PATH: reason" in err.  Returns NULL on error.
 */
char *file_read(const char *path, size_t max, int flags, size_t *len, char *err,
    size_t errlen);

/* "a directory", "a FIFO", "a character device", ... for st_mode; "a regular file". */
const char *file_type_name(mode_t mode);

/*
 * Replace the file path names with len bytes of data, atomically: the new content is
 * written to a temporary file beside the target, synced, given the target's mode and owner,
 * and renamed over it.  A symlink (or a chain of them) is followed and its final target is
 * replaced, the link itself left as it is; a path that does not exist is created with mode
 * 0666 less the umask.  Refused, with a message naming what and why: a target that is not
 * a regular file (a device such as /dev/null, a FIFO, a directory, a socket), a regular file
 * with more than one hard link (replacing one name would leave the others holding the old
 * text), a target that is the same file (same device and inode) as any of the nprotect
 * paths in protect (the inputs the caller read from; labels[i] names each in the message,
 * e.g. "--applicationhost"), and a target whose owner cannot be kept.  Returns 0, or -1
 * with err set; on any failure the target is untouched and no temporary file is left.
 */
int file_replace(const char *path, const char *data, size_t len,
    const char *const *protect, const char *const *labels, size_t nprotect,
    char *err, size_t errlen);

#endif
