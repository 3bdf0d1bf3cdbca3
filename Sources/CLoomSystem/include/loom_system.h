#ifndef LOOM_SYSTEM_H
#define LOOM_SYSTEM_H
// Operating-system services Loom's file safety rests on, as plain C so Swift calls them without
// variadic-function or macro trouble (open with O_TMPFILE, renameat2, openat, sigaction).
// Every function returns 0 on success or a positive errno value; nothing here allocates for the caller
// except loom_read_at, whose buffer the caller frees with free().

#include <stddef.h>
#include <stdint.h>

/// Writes `size` bytes to `path` so that a reader sees the complete old file or the complete new one,
/// whatever moment the process dies: the bytes go to an unnamed temporary file in the same folder
/// (O_TMPFILE; a named `.NAME.tmp-PID-N` file where the file system lacks it), are flushed with fsync,
/// get a temporary name and are renamed over `path`; the folder is then fsynced. On failure nothing is
/// left behind. `mode` is used for a new file; an existing file's permission bits are kept. On failure
/// `*stage` says which step failed (a loom_write_stage).
int loom_write_atomic(const char *path, const void *bytes, size_t size, unsigned mode, int *stage);

enum loom_write_stage { LOOM_WRITE_CREATE = 0, LOOM_WRITE_DATA = 1, LOOM_WRITE_RENAME = 2 };

/// Exchanges two paths atomically (Linux renameat2 RENAME_EXCHANGE): both must exist.
/// Returns EINVAL or ENOSYS where the file system or kernel cannot do it.
int loom_exchange(const char *a, const char *b);

/// Renames `from` to `to`, failing with EEXIST instead of replacing an existing `to` (RENAME_NOREPLACE,
/// falling back to link-free rename after a check where the file system lacks the flag).
int loom_rename_noreplace(const char *from, const char *to);

/// fsync on a folder (or file), so renames inside it survive a power loss.
int loom_fsync_path(const char *path);

/// Opens a folder for reading files relative to it (loom_read_at), so that several files are read from
/// one and the same folder even if its path is swapped meanwhile. Returns the descriptor or -errno.
int loom_open_folder(const char *path);

/// Reads the whole of `name` inside the folder `folder_fd` into a malloc'ed buffer; at most `limit` bytes
/// (EFBIG beyond). `*bytes` is NULL for an empty file. With `regular_only`, anything but a regular file
/// fails with EINVAL (model files); otherwise FIFOs and devices are read to their end (user input).
int loom_read_at(int folder_fd, const char *name, size_t limit, int regular_only, void **bytes, size_t *size);

int loom_close(int fd);

/// Whether a process with this id exists (kill(pid, 0)); 1 yes, 0 no.
int loom_process_alive(int32_t pid);

/// Installs handlers for SIGINT and SIGTERM that record the signal and restore the default action, so
/// that the first Ctrl-C asks a long job to stop at its next safe point and a second one ends the
/// process at once. Idempotent.
void loom_interrupts_install(void);

/// The signal number recorded by the handlers (0 when none arrived).
int loom_interrupt_signal(void);

/// Forgets a recorded signal and re-arms the handlers (tests).
void loom_interrupts_reset(void);

/// Test hook: with LOOM_FAULT_KILL_AT=N in the environment, the N-th call (from 1) in this process kills
/// the process with SIGKILL. Every file-system change above calls it first, so tests can stop a save at
/// each of its steps and check what a reader then finds. Without the variable it does nothing.
void loom_fault_point(void);

#endif
