/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A process named by its pid and start time: a pid alone may have been reused. */
#include "pier-pidfd.h"

#include "pier-fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

guint64
pier_proc_start_time (pid_t pid)
{
  char path[64], buf[1024];
  pier_autofd int fd = -1;
  ssize_t n;
  char *p;
  guint64 start = 0;

  g_snprintf (path, sizeof path, "/proc/%d/stat", (int) pid);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  n = read (fd, buf, sizeof buf - 1);
  if (n <= 0)
    return 0;
  buf[n] = '\0';
  /* The command name (field 2) may hold spaces and parentheses: count from the last ')'. */
  p = strrchr (buf, ')');
  if (p == NULL || p[1] != ' ')
    return 0;
  p += 2; /* field 3, the state: a zombie is no longer running */
  if (*p == 'Z' || *p == 'X')
    return 0;
  for (int field = 3; field < 22 && p != NULL; field++)
    {
      p = strchr (p, ' ');
      if (p != NULL)
        p++;
    }
  if (p != NULL)
    start = g_ascii_strtoull (p, NULL, 10);
  return start;
}

int
pier_pidfd_open_checked (pid_t pid, guint64 start_time)
{
  int fd;

  if (pid <= 0)
    {
      errno = ESRCH;
      return -1;
    }
  fd = (int) syscall (SYS_pidfd_open, pid, 0); /* always close-on-exec */
  if (fd < 0)
    return -1;
  /* The pidfd pins the process: if the start time still matches now, it is the same one. */
  if (pier_proc_start_time (pid) != start_time)
    {
      close (fd);
      errno = ESRCH;
      return -1;
    }
  return fd;
}
