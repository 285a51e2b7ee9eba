/*
 * hostcheck — the host's side of start-up: who holds a port, what to do about a bind or a
 * log file that failed.  See hostcheck.h.  Owns no state; every
 * function reads /proc or the file system when called.  The socket-to-process lookup reads
 * every /proc/PID/fd the caller may read: a process of another user stays unnamed (its uid
 * is still shown), as `ss -p` run without root.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/hostcheck.h"

#define HOSTCHECK_LISTEN 0x0A   /* TCP_LISTEN in /proc/net/tcp's st column */

int
hostcheck_parse_tcp_line(const char *line, int v6, unsigned char ip[16], unsigned *port,
    int *state, long *uid, unsigned long *inode)
{
	char addr[40];
	unsigned p, st;
	unsigned long ino;
	long u;
	size_t i, want = v6 ? 32 : 8;

	if (sscanf(line, " %*u: %39[0-9A-Fa-f]:%X %*[0-9A-Fa-f]:%*X %X %*X:%*X %*X:%*X %*X "
	    "%ld %*d %lu", addr, &p, &st, &u, &ino) != 5 || strlen(addr) != want || p > 65535)
		return -1;
	memset(ip, 0, 16);
	/* each 32-bit word is printed as the host-order integer of network-order bytes */
	for (i = 0; i < want / 8; i++) {
		char word[9];
		unsigned int w;

		memcpy(word, addr + i * 8, 8);
		word[8] = '\0';
		w = (unsigned int)strtoul(word, NULL, 16);
		memcpy(ip + i * 4, &w, 4);
	}
	*port = p;
	*state = (int)st;
	*uid = u;
	*inode = ino;
	return 0;
}

static int
hostcheck_is_wildcard(const unsigned char *ip, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ip[i] != 0)
			return 0;
	return 1;
}

/* The pid whose descriptors include socket inode, with its name; -1 when none readable. */
static long
hostcheck_inode_pid(unsigned long inode, char *comm, size_t commlen)
{
	char path[600], link[64], want[64];
	struct dirent *de, *fe;
	DIR *proc, *fds;
	long pid = -1;
	ssize_t n;
	FILE *fp;

	snprintf(want, sizeof(want), "socket:[%lu]", inode);
	if ((proc = opendir("/proc")) == NULL)
		return -1;
	while (pid < 0 && (de = readdir(proc)) != NULL) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", de->d_name);
		if ((fds = opendir(path)) == NULL)
			continue;
		while ((fe = readdir(fds)) != NULL) {
			snprintf(path, sizeof(path), "/proc/%s/fd/%s", de->d_name, fe->d_name);
			if ((n = readlink(path, link, sizeof(link) - 1)) <= 0)
				continue;
			link[n] = '\0';
			if (strcmp(link, want) == 0) {
				pid = strtol(de->d_name, NULL, 10);
				break;
			}
		}
		closedir(fds);
	}
	closedir(proc);
	comm[0] = '\0';
	if (pid < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	if ((fp = fopen(path, "r")) != NULL) {
		if (fgets(comm, (int)commlen, fp) == NULL)
			comm[0] = '\0';
		comm[strcspn(comm, "\n")] = '\0';
		fclose(fp);
	}
	return pid;
}

int
hostcheck_port_holder(int family, const unsigned char *ip, unsigned port,
    struct hostcheck_holder *h)
{
	static const char *files[2] = { "/proc/net/tcp", "/proc/net/tcp6" };
	unsigned char sip[16];
	unsigned sport;
	unsigned long inode, best_inode = 0;
	long uid, best_uid = -1;
	int f, state, best = 0;   /* 2: listening, 1: another state */
	size_t alen = family == AF_INET6 ? 16 : 4;
	char line[512];
	FILE *fp;

	memset(h, 0, sizeof(*h));
	h->pid = -1;
	for (f = 0; f < 2 && best < 2; f++) {
		if ((fp = fopen(files[f], "r")) == NULL)
			continue;
		while (best < 2 && fgets(line, sizeof(line), fp) != NULL) {
			size_t slen = f ? 16 : 4;
			int rank;

			if (hostcheck_parse_tcp_line(line, f, sip, &sport, &state, &uid, &inode) != 0 ||
			    sport != port || inode == 0)
				continue;
			if (!hostcheck_is_wildcard(sip, slen) && !hostcheck_is_wildcard(ip, alen) &&
			    (slen != alen || memcmp(sip, ip, alen) != 0))
				continue;
			rank = state == HOSTCHECK_LISTEN ? 2 : 1;
			if (rank > best) {
				best = rank;
				best_inode = inode;
				best_uid = uid;
			}
		}
		fclose(fp);
	}
	if (best == 0)
		return -1;
	h->listening = best == 2;
	h->uid = best_uid;
	h->pid = hostcheck_inode_pid(best_inode, h->comm, sizeof(h->comm));
	return 0;
}

/* The lowest port an unprivileged process may bind (net.ipv4.ip_unprivileged_port_start). */
static unsigned
hostcheck_unprivileged_start(void)
{
	unsigned v = 1024;
	FILE *fp;

	if ((fp = fopen("/proc/sys/net/ipv4/ip_unprivileged_port_start", "r")) != NULL) {
		if (fscanf(fp, "%u", &v) != 1)
			v = 1024;
		fclose(fp);
	}
	return v;
}

void
hostcheck_bind_hint(int family, const unsigned char *ip, unsigned port, int err,
    char *buf, size_t len)
{
	struct hostcheck_holder h;
	char exe[512];
	ssize_t n;

	if (len == 0)
		return;
	buf[0] = '\0';
	if (err == EADDRINUSE) {
		if (hostcheck_port_holder(family, ip, port, &h) != 0)
			snprintf(buf, len, "another program holds the port (`ss -ltnp 'sport = :%u'` "
			    "names it): stop it, or bind the site to a free port", port);
		else if (h.pid >= 0 && strcmp(h.comm, "sysbind") == 0)
			snprintf(buf, len, "another sysbind (pid %ld) serves it: stop that one "
			    "(kill %ld), or bind the site to a free port", h.pid, h.pid);
		else if (h.pid >= 0)
			snprintf(buf, len, "%s (pid %ld) holds it: stop it, or bind the site to a "
			    "free port", h.comm[0] ? h.comm : "a process", h.pid);
		else {
			struct passwd *pw = getpwuid((uid_t)h.uid);

			snprintf(buf, len, "a process of user %s (uid %ld) holds it (`sudo ss -ltnp "
			    "'sport = :%u'` names it): stop it, or bind the site to a free port",
			    pw != NULL ? pw->pw_name : "?", h.uid, port);
		}
	} else if ((err == EACCES || err == EPERM) && port < hostcheck_unprivileged_start()) {
		if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) <= 0)
			n = (ssize_t)strlen(strcpy(exe, "sysbind"));
		exe[n] = '\0';
		snprintf(buf, len, "a port below %u needs root or CAP_NET_BIND_SERVICE: start "
		    "sysbind as root (with `user = NAME` in [server] it binds, then runs as NAME), "
		    "or give it the capability: sudo setcap cap_net_bind_service=+ep %s (the "
		    "systemd unit grants it with AmbientCapabilities=)",
		    hostcheck_unprivileged_start(), exe);
	} else if (err == EADDRNOTAVAIL) {
		snprintf(buf, len, "no interface of this host has that address (`ip -br addr` "
		    "lists them): correct the binding's IP, or use *");
	}
}

/* The directory part of path ("." when none). */
static void
hostcheck_dir(const char *path, char *dir, size_t len)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(dir, len, ".");
	else if (slash == path)
		snprintf(dir, len, "/");
	else
		snprintf(dir, len, "%.*s", (int)(slash - path), path);
}

void
hostcheck_log_hint(const char *path, int err, char *buf, size_t len)
{
	char dir[4096];
	struct stat st;

	if (len == 0)
		return;
	buf[0] = '\0';
	hostcheck_dir(path, dir, sizeof(dir));
	if (err == ENOENT && stat(dir, &st) != 0)
		snprintf(buf, len, "the directory %s does not exist: make it (mkdir -p %s), "
		    "writable by the user sysbind runs as, or choose another path", dir, dir);
	else if (err == ENOTDIR)
		snprintf(buf, len, "a part of %s is not a directory: choose another path", dir);
	else if (err == EACCES || err == EPERM || err == EROFS)
		snprintf(buf, len, "the user sysbind runs as may not write it (uid %ld): give it "
		    "the file and %s, or choose another path", (long)geteuid(), dir);
	else if (err == EISDIR)
		snprintf(buf, len, "it is a directory: name a file in it");
}

int
hostcheck_log_file(const char *path, char *err, size_t errlen)
{
	char dir[4096], hint[4400];
	struct stat st;
	int fd, e;

	if (strcmp(path, "-") == 0)
		return 0;
	/* O_NONBLOCK: a FIFO without a reader must not hang -t */
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) >= 0) {
		close(fd);
		return 0;
	}
	e = errno;
	if (e == ENXIO)   /* a FIFO nobody reads yet: the daemon's open would wait, not fail */
		return 0;
	if (e == ENOENT) {
		hostcheck_dir(path, dir, sizeof(dir));
		if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
			if (access(dir, W_OK | X_OK) == 0)
				return 0;   /* the daemon makes the file */
			e = EACCES;
		} else if (stat(dir, &st) == 0) {
			e = ENOTDIR;
		}
	}
	hostcheck_log_hint(path, e, hint, sizeof(hint));
	snprintf(err, errlen, "%s: %s%s%s", path, strerror(e), hint[0] ? ": " : "", hint);
	return -1;
}

int
hostcheck_held_by(const struct hostcheck_holder *h, long pid)
{
	char path[64], comm[64] = "";
	struct stat st;
	FILE *fp;

	if (pid <= 0)
		return 0;
	if (h->pid >= 0)
		return h->pid == pid;
	snprintf(path, sizeof(path), "/proc/%ld", pid);
	if (stat(path, &st) != 0 || (long)st.st_uid != h->uid)
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	if ((fp = fopen(path, "r")) != NULL) {
		if (fgets(comm, sizeof(comm), fp) == NULL)
			comm[0] = '\0';
		fclose(fp);
	}
	return strcmp(comm, "sysbind\n") == 0;
}
