/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-proc-reader-private.h"

#include "pier-fsutil.h"
#include "pier-process-scanner-private.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* ENOENT and ESRCH say the process has exited, EACCES that it is hidden from us: the row is
 * left out. Anything else (no descriptor left, no memory) fails the snapshot instead of
 * silently dropping rows. */
static void
note_failure (PierProcReader *r)
{
  if (errno != ENOENT && errno != ESRCH && errno != EACCES && errno != EPERM && r->failure == 0)
    r->failure = errno;
}

void
pier_proc_user_ns_free (gpointer p)
{
  PierProcUserNs *ns = p;

  if (ns->fd >= 0)
    close (ns->fd);
  g_array_unref (ns->uid);
  g_array_unref (ns->gid);
  g_free (ns);
}

void
pier_proc_reader_init (PierProcReader *r)
{
  r->buf_size = 4096;
  r->buf = g_malloc (r->buf_size);
  r->failure = 0;
  r->failed_pid = 0;
  r->maps = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, pier_proc_user_ns_free);
}

void
pier_proc_reader_clear (PierProcReader *r)
{
  g_hash_table_unref (r->maps);
  g_free (r->buf);
}

/* The whole file from offset 0 into r->buf, NUL-terminated: one pread when the buffer is
 * large enough (a /proc file gives everything it has to one large read). -1 with errno. */
gssize
pier_proc_read_fd (PierProcReader *r, int fd, gsize max_len)
{
  gsize len = 0;

  for (;;)
    {
      ssize_t n = pread (fd, r->buf + len, r->buf_size - 1 - len, (off_t) len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          note_failure (r);
          return -1;
        }
      len += n;
      if (len < r->buf_size - 1 || n == 0 || r->buf_size > max_len)
        break;
      r->buf_size *= 2;
      r->buf = g_realloc (r->buf, r->buf_size);
    }
  r->buf[len] = '\0';
  return (gssize) len;
}

/* /proc/PID as a directory: what is opened through it belongs to that very process or fails,
 * since a reused PID gets a directory of its own. That spares a second look to prove that a
 * file read by PID was not another process's. */
int
pier_proc_open_pid_dir (PierProcessScanner *self, PierProcReader *r, int pid)
{
  char path[16];
  int fd;

  g_snprintf (path, sizeof path, "%d", pid);
  fd = openat (self->proc_fd, path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    note_failure (r);
  return fd;
}

int
pier_proc_open_at (PierProcReader *r, int dirfd, const char *name)
{
  int fd = openat (dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);

  if (fd < 0)
    note_failure (r);
  return fd;
}

gssize
pier_proc_read_at (PierProcReader *r, int dirfd, const char *name, gsize max_len)
{
  pier_autofd int fd = pier_proc_open_at (r, dirfd, name);

  if (fd < 0)
    return -1;
  return pier_proc_read_fd (r, fd, max_len);
}

guint64
pier_proc_read_ns_at (int dirfd, const char *name)
{
  char link[64];
  gssize n = readlinkat (dirfd, name, link, sizeof link);

  return pier_proc_parse_ns_link (link, n);
}

gboolean
pier_proc_read_stat (PierProcReader *r, int fd, PierProcStat *st)
{
  gssize n = pier_proc_read_fd (r, fd, 65536);

  if (n <= 0)
    return FALSE;
  return pier_proc_parse_stat (r->buf, n, st);
}

/* ---- user namespaces ---------------------------------------------------------------------- */

gboolean
pier_proc_user_ns_needs_maps (PierProcessScanner *self, PierProcReader *r, guint64 ino)
{
  PierProcUserNs *ns;

  if (ino == 0)
    return FALSE;
  ns = g_hash_table_lookup (r->maps, &ino);
  if (ns == NULL)
    ns = g_hash_table_lookup (self->user_ns, &ino);
  return ns == NULL || (!ns->complete && ns->loaded != self->generation);
}

/* Reads the uid_map and gid_map of the process of @dirfd into the reader's table: from the
 * scanner's user namespace their lower ids are the scanner's ids, the same ones
 * /proc/PID/status gives. Nothing when they are not readable. */
void
pier_proc_user_ns_load (PierProcessScanner *self, PierProcReader *r, int dirfd, guint64 ino)
{
  pier_autofd int fd = pier_proc_open_at (r, dirfd, "ns/user");
  PierProcUserNs *ns;
  struct stat st;
  gssize n;

  if (fd < 0 || fstat (fd, &st) < 0 || st.st_ino != ino)
    return;
  ns = g_new0 (PierProcUserNs, 1);
  ns->ino = ino;
  ns->fd = g_steal_fd (&fd);
  ns->loaded = self->generation;
  n = pier_proc_read_at (r, dirfd, "uid_map", 65536);
  ns->uid = pier_proc_parse_id_map (r->buf, MAX (n, 0));
  n = pier_proc_read_at (r, dirfd, "gid_map", 65536);
  ns->gid = pier_proc_parse_id_map (r->buf, MAX (n, 0));
  ns->complete = ns->uid->len > 0 && ns->gid->len > 0;
  g_hash_table_replace (r->maps, &ns->ino, ns);
}

/* Moves what @r read into the scanner's table, once no reader is running. */
void
pier_proc_user_ns_adopt (PierProcessScanner *self, PierProcReader *r)
{
  GHashTableIter iter;
  PierProcUserNs *ns;

  g_hash_table_iter_init (&iter, r->maps);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &ns))
    {
      g_hash_table_iter_steal (&iter);
      g_hash_table_replace (self->user_ns, &ns->ino, ns);
    }
}
