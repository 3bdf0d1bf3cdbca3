// File operations behind Loom's "never lose a user's data" rule (see loom_system.h).
#define _GNU_SOURCE
#include "loom_system.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

static int renameat2_flags(const char *from, const char *to, unsigned flags) {
#ifdef SYS_renameat2
    if (syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, flags) == 0) return 0;
    return errno;
#else
    (void)from; (void)to; (void)flags;
    return ENOSYS;
#endif
}

void loom_fault_point(void) {
    static long kill_at = -1;  // -1: not read yet, 0: no fault injection
    static long calls = 0;
    long limit = __atomic_load_n(&kill_at, __ATOMIC_RELAXED);
    if (limit < 0) {
        const char *value = getenv("LOOM_FAULT_KILL_AT");
        limit = value ? strtol(value, NULL, 10) : 0;
        if (limit < 0) limit = 0;
        __atomic_store_n(&kill_at, limit, __ATOMIC_RELAXED);
    }
    if (limit > 0 && __atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED) == limit) raise(SIGKILL);
}

int loom_exchange(const char *a, const char *b) {
    loom_fault_point();
    return renameat2_flags(a, b, RENAME_EXCHANGE);
}

int loom_rename_noreplace(const char *from, const char *to) {
    loom_fault_point();
    int result = renameat2_flags(from, to, RENAME_NOREPLACE);
    if (result != EINVAL && result != ENOSYS) return result;
    struct stat info;
    if (lstat(to, &info) == 0) return EEXIST;
    return rename(from, to) == 0 ? 0 : errno;
}

int loom_fsync_path(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    int result = fsync(fd) == 0 ? 0 : errno;
    close(fd);
    // Some file systems refuse fsync on folders; that is no reason to fail a write.
    return (result == EINVAL || result == EROFS) ? 0 : result;
}

/// The folder part of `path` ("." when it has none), written into `out`.
static int folder_of(const char *path, char *out, size_t capacity) {
    const char *slash = strrchr(path, '/');
    if (!slash) { if (capacity < 2) return ENAMETOOLONG; strcpy(out, "."); return 0; }
    size_t length = slash == path ? 1 : (size_t)(slash - path);
    if (length + 1 > capacity) return ENAMETOOLONG;
    memcpy(out, path, length);
    out[length] = 0;
    return 0;
}

static int write_all(int fd, const unsigned char *bytes, size_t size) {
    while (size > 0) {
        ssize_t written = write(fd, bytes, size > (1u << 30) ? (1u << 30) : size);
        if (written < 0) { if (errno == EINTR) continue; return errno; }
        bytes += written;
        size -= (size_t)written;
    }
    return 0;
}

/// Removes `.BASE.tmp-PID-N` files in `folder` left by writers that were killed between naming their
/// temporary file and renaming it (a window of microseconds, but a real one); files of live processes stay.
static void remove_stale_temporaries(const char *folder, const char *base) {
    DIR *listing = opendir(folder);
    if (!listing) return;
    char prefix[NAME_MAX + 8];
    int length = snprintf(prefix, sizeof prefix, ".%s.tmp-", base);
    if (length < 0 || (size_t)length >= sizeof prefix) { closedir(listing); return; }
    struct dirent *entry;
    while ((entry = readdir(listing))) {
        if (strncmp(entry->d_name, prefix, (size_t)length) != 0) continue;
        long pid = strtol(entry->d_name + length, NULL, 10);
        if (pid <= 0 || pid == (long)getpid() || loom_process_alive((int32_t)pid)) continue;
        unlinkat(dirfd(listing), entry->d_name, 0);
    }
    closedir(listing);
}

int loom_write_atomic(const char *path, const void *bytes, size_t size, unsigned mode, int *stage) {
    *stage = LOOM_WRITE_CREATE;
    char folder[PATH_MAX];
    int result = folder_of(path, folder, sizeof folder);
    if (result) return result;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (*base == 0) return EISDIR;
    struct stat existing;
    if (stat(path, &existing) == 0 && !S_ISDIR(existing.st_mode)) mode = existing.st_mode & 07777;
    char temporary[PATH_MAX];
    static unsigned counter = 0;  // makes names unique within the process
    int named = snprintf(temporary, sizeof temporary, "%s/.%s.tmp-%d-%u", folder, base, (int)getpid(),
                         __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED));
    if (named < 0 || (size_t)named >= sizeof temporary) return ENAMETOOLONG;

    // Unnamed first: a kill before the link leaves nothing at all on disk.
    int fd = open(folder, O_TMPFILE | O_WRONLY | O_CLOEXEC, mode);
    int unnamed = fd >= 0;
    if (!unnamed) {
        fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
        if (fd < 0) return errno;
    }
    loom_fault_point();
    *stage = LOOM_WRITE_DATA;
    result = write_all(fd, bytes, size);
    if (!result && fchmod(fd, mode) != 0) result = errno;
    if (!result && fsync(fd) != 0) result = errno;
    if (!result && unnamed) {
        char procPath[64];
        snprintf(procPath, sizeof procPath, "/proc/self/fd/%d", fd);
        if (linkat(AT_FDCWD, procPath, AT_FDCWD, temporary, AT_SYMLINK_FOLLOW) != 0) result = errno;
    }
    if (close(fd) != 0 && !result) result = errno;
    if (!result) { loom_fault_point(); *stage = LOOM_WRITE_RENAME; }
    if (!result && rename(temporary, path) != 0) result = errno;
    if (result) { unlink(temporary); return result; }
    remove_stale_temporaries(folder, base);
    return loom_fsync_path(folder);
}

int loom_open_folder(const char *path) {
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return fd >= 0 ? fd : -errno;
}

int loom_read_at(int folder_fd, const char *name, size_t limit, int regular_only, void **bytes, size_t *size) {
    *bytes = NULL;
    *size = 0;
    // Non-blocking first, so that a FIFO without a writer cannot hang the open of a file that must be regular.
    int fd = openat(folder_fd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return errno;
    struct stat info;
    if (fstat(fd, &info) != 0) { int e = errno; close(fd); return e; }
    if (S_ISDIR(info.st_mode)) { close(fd); return EISDIR; }
    if (!S_ISREG(info.st_mode)) {
        close(fd);
        if (regular_only) return EINVAL;
        // FIFOs and devices given as input: open again, blocking, so reads wait for the writer.
        fd = openat(folder_fd, name, O_RDONLY | O_CLOEXEC);
        if (fd < 0) return errno;
    }
    size_t capacity = S_ISREG(info.st_mode) && info.st_size > 0 ? (size_t)info.st_size + 1 : 65536;
    if (capacity > limit + 1) capacity = limit + 1;
    unsigned char *buffer = malloc(capacity);
    if (!buffer) { close(fd); return ENOMEM; }
    size_t used = 0;
    for (;;) {
        if (used == capacity) {
            if (capacity > limit) { free(buffer); close(fd); return EFBIG; }
            size_t grown = capacity * 2 > limit + 1 ? limit + 1 : capacity * 2;
            unsigned char *bigger = realloc(buffer, grown);
            if (!bigger) { free(buffer); close(fd); return ENOMEM; }
            buffer = bigger;
            capacity = grown;
        }
        ssize_t got = read(fd, buffer + used, capacity - used);
        if (got < 0) { if (errno == EINTR) continue; int e = errno; free(buffer); close(fd); return e; }
        if (got == 0) break;
        used += (size_t)got;
    }
    close(fd);
    if (used > limit) { free(buffer); return EFBIG; }
    if (used == 0) { free(buffer); return 0; }
    *bytes = buffer;
    *size = used;
    return 0;
}

int loom_close(int fd) { return close(fd) == 0 ? 0 : errno; }

int loom_process_alive(int32_t pid) {
    if (pid <= 0) return 0;
    return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}
