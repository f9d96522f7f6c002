/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-lock.h"

#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

struct _PierLock {
  int fd;
};

static PierLock *
lock_with (const char *path, int operation, GError **error)
{
  pier_autofd int fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  PierLock *lock;

  if (fd < 0)
    {
      pier_set_errno (error, errno, _("opening the lock %s"), path);
      return NULL;
    }
  while (flock (fd, operation) < 0)
    {
      if (errno == EWOULDBLOCK)
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_IN_USE,
                       _("%s is locked by another process"), path);
          return NULL;
        }
      if (errno != EINTR)
        {
          pier_set_errno (error, errno, _("locking %s"), path);
          return NULL;
        }
    }
  lock = g_new0 (PierLock, 1);
  lock->fd = g_steal_fd (&fd);
  return lock;
}

PierLock *
pier_lock_acquire (const char *path, gboolean exclusive, GError **error)
{
  return lock_with (path, exclusive ? LOCK_EX : LOCK_SH, error);
}

PierLock *
pier_lock_try_acquire (const char *path, gboolean exclusive, GError **error)
{
  return lock_with (path, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB, error);
}

void
pier_lock_release (PierLock *lock)
{
  if (lock == NULL)
    return;
  close (lock->fd);
  g_free (lock);
}
