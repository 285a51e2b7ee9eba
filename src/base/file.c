/*
 * file — whole-file reads that cannot hang on a FIFO or read a device forever, and
 * replacements that cannot turn a device, a symlink or the user's own input into a plain
 * file (see file.h).  This file owns only the system calls; what is read or written, and
 * every message about its content, belong to the callers (conf, import, edit, cli).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "base/file.h"

#define FILE_SYMLINK_HOPS 40   /* as the kernel's own limit (ELOOP) */

const char *
file_type_name(mode_t mode)
{
	if (S_ISREG(mode))
		return "a regular file";
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO (named pipe)";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISLNK(mode))
		return "a symbolic link";
	return "not a regular file";
}

char *
file_read(const char *path, size_t max, int flags, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t cap = 0, n = 0;
	int fd, pipe_ok = (flags & FILE_READ_PIPE) != 0;

	*len = 0;
	/* O_NONBLOCK: opening a FIFO that has no writer returns at once instead of waiting. */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode) && !(pipe_ok && S_ISFIFO(st.st_mode))) {
		snprintf(err, errlen, "%s: %s, not a regular file: sysbind reads it only from a "
		    "regular file", path, file_type_name(st.st_mode));
		close(fd);
		return NULL;
	}
	if (S_ISREG(st.st_mode) && (unsigned long long)st.st_size > max) {
		snprintf(err, errlen, "%s: %lld bytes, larger than the %zu bytes sysbind reads",
		    path, (long long)st.st_size, max);
		close(fd);
		return NULL;
	}
	if (S_ISFIFO(st.st_mode))
		(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	/* a regular file's size is known: one read to its end, one more to see the end */
	cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 2 : 65536;
	for (;;) {
		ssize_t r;

		if (buf == NULL || n + 2 > cap) {
			size_t ncap = buf == NULL ? cap : cap * 2;
			char *nb;

			if (ncap > max + 2)
				ncap = max + 2;
			if (ncap < n + 2) {
				snprintf(err, errlen, "%s: larger than the %zu bytes sysbind reads", path,
				    max);
				goto fail;
			}
			if ((nb = realloc(buf, ncap)) == NULL) {
				snprintf(err, errlen, "%s: out of memory", path);
				goto fail;
			}
			buf = nb;
			cap = ncap;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			snprintf(err, errlen, "%s: larger than the %zu bytes sysbind reads", path, max);
			goto fail;
		}
	}
	close(fd);
	buf[n] = '\0';
	*len = n;
	return buf;
fail:
	close(fd);
	free(buf);
	return NULL;
}

/*
 * The file path finally names: symlinks followed one by one (relative ones against the
 * link's directory) to something that is not a link, or that does not exist yet.  *exists
 * says which; *st is its lstat.  Returns 0, or -1 with err.
 */
static int
file_target(const char *path, char *out, size_t outlen, struct stat *st, int *exists,
    char *err, size_t errlen)
{
	char cur[PATH_MAX], link[PATH_MAX], next[PATH_MAX];
	int hops;

	if (strlen(path) >= sizeof(cur)) {
		snprintf(err, errlen, "%s: %s", path, strerror(ENAMETOOLONG));
		return -1;
	}
	snprintf(cur, sizeof(cur), "%s", path);
	for (hops = 0; hops <= FILE_SYMLINK_HOPS; hops++) {
		const char *slash;
		ssize_t n;

		if (lstat(cur, st) != 0) {
			if (errno != ENOENT) {
				snprintf(err, errlen, "%s: %s", cur, strerror(errno));
				return -1;
			}
			*exists = 0;
			snprintf(out, outlen, "%s", cur);
			return 0;
		}
		if (!S_ISLNK(st->st_mode)) {
			*exists = 1;
			snprintf(out, outlen, "%s", cur);
			return 0;
		}
		if ((n = readlink(cur, link, sizeof(link) - 1)) < 0) {
			snprintf(err, errlen, "%s: %s", cur, strerror(errno));
			return -1;
		}
		link[n] = '\0';
		slash = strrchr(cur, '/');
		if (link[0] == '/' || slash == NULL) {
			snprintf(next, sizeof(next), "%s", link);
		} else if ((size_t)(slash - cur) + 1 + (size_t)n >= sizeof(next)) {
			snprintf(err, errlen, "%s: %s", cur, strerror(ENAMETOOLONG));
			return -1;
		} else {
			size_t dl = (size_t)(slash - cur);

			memcpy(next, cur, dl + 1);   /* the directory and its '/' */
			memcpy(next + dl + 1, link, (size_t)n + 1);
		}
		memcpy(cur, next, sizeof(cur));
	}
	snprintf(err, errlen, "%s: %s", path, strerror(ELOOP));
	return -1;
}

/* fsync the directory holding path, so the rename survives a crash.  Best effort. */
static void
file_sync_dir(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd;

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

int
file_replace(const char *path, const char *data, size_t len,
    const char *const *protect, const char *const *labels, size_t nprotect,
    char *err, size_t errlen)
{
	char target[PATH_MAX], tmp[PATH_MAX + 32];
	const char *slash;
	struct stat st, ps;
	size_t off = 0, i;
	mode_t mask;
	int exists, fd, saved;

	if (file_target(path, target, sizeof(target), &st, &exists, err, errlen) != 0)
		return -1;
	if (exists && !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s%s%s: %s, not a regular file: refused (sysbind writes "
		    "only regular files, and would replace the %s by one)", path,
		    strcmp(path, target) != 0 ? " -> " : "", strcmp(path, target) != 0 ? target : "",
		    file_type_name(st.st_mode), S_ISDIR(st.st_mode) ? "directory" :
		    S_ISFIFO(st.st_mode) ? "FIFO" : S_ISSOCK(st.st_mode) ? "socket" : "device");
		return -1;
	}
	if (exists && st.st_nlink > 1) {
		snprintf(err, errlen, "%s: has %lu hard links: refused (replacing the file under "
		    "one name would leave the other names holding the old text); write to a new "
		    "name", target, (unsigned long)st.st_nlink);
		return -1;
	}
	for (i = 0; exists && i < nprotect; i++) {
		if (protect[i] == NULL || stat(protect[i], &ps) != 0)
			continue;
		if (ps.st_dev == st.st_dev && ps.st_ino == st.st_ino) {
			snprintf(err, errlen, "%s: is the same file as %s %s: refused (writing it "
			    "would destroy the input)", path, labels != NULL && labels[i] != NULL ?
			    labels[i] : "the input", protect[i]);
			return -1;
		}
	}

	slash = strrchr(target, '/');
	if (slash == NULL)
		snprintf(tmp, sizeof(tmp), ".sysbind.XXXXXX");
	else
		snprintf(tmp, sizeof(tmp), "%.*s/.sysbind.XXXXXX", (int)(slash - target), target);
	if ((fd = mkstemp(tmp)) == -1) {
		snprintf(err, errlen, "%s: cannot create a temporary file beside it: %s", target,
		    strerror(errno));
		return -1;
	}
	if (exists) {
		if ((st.st_uid != geteuid() || st.st_gid != getegid()) &&
		    fchown(fd, st.st_uid, st.st_gid) != 0) {
			snprintf(err, errlen, "%s: cannot keep its owner (uid %lu, gid %lu): %s; run "
			    "as that user or as root", target, (unsigned long)st.st_uid,
			    (unsigned long)st.st_gid, strerror(errno));
			goto fail;
		}
		if (fchmod(fd, st.st_mode & 07777) != 0) {
			snprintf(err, errlen, "%s: cannot keep its mode: %s", target, strerror(errno));
			goto fail;
		}
	} else {
		mask = umask(022);
		umask(mask);
		(void)fchmod(fd, 0666 & ~mask);
	}
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			snprintf(err, errlen, "%s: %s", tmp, w < 0 ? strerror(errno) : "short write");
			goto fail;
		}
		off += (size_t)w;
	}
	if (fsync(fd) != 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	if (close(fd) != 0) {
		fd = -1;
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	fd = -1;
	if (rename(tmp, target) != 0) {
		snprintf(err, errlen, "%s: %s", target, strerror(errno));
		goto fail;
	}
	file_sync_dir(target);
	return 0;
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	errno = saved;
	return -1;
}
