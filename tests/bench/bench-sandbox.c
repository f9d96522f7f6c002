/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-sandbox [ROUNDS [none|bridge|host]]: as root, starts ROUNDS containers (20 by default)
 * running /bin/true in a busybox rootfs through the engine's API, and prints the median,
 * fastest and slowest of: start (pier_sandbox_start() returning: the command exec'd), exit
 * (the exit recorded, as `run` sees it) and gone (the monitor finished its teardown). Each
 * round has a fresh sandbox layer. The rootfs has the directories every image has (/proc,
 * /etc...), layers live in $TMPDIR (like the store) and runtime state on /dev/shm (tmpfs, like
 * /run/pier on a usual host); both are removed after. PIER_MONITOR_PATH defaults to
 * app/pier-monitor beside this build's tests/bench. */
#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static void
report (const char *what, double *ms, int rounds)
{
  double median;

  qsort (ms, rounds, sizeof *ms, compare_doubles);
  median = rounds % 2 ? ms[rounds / 2] : (ms[rounds / 2 - 1] + ms[rounds / 2]) / 2;
  printf ("%-8s median %7.3f ms  min %7.3f  max %7.3f\n", what, median, ms[0], ms[rounds - 1]);
}

static gboolean
make_busybox_layer (const char *dir, GError **error)
{
  g_autofree char *bin = g_build_filename (dir, "bin", NULL);
  g_autofree char *target = g_build_filename (bin, "busybox", NULL);
  g_autofree char *data = NULL;
  gsize len;
  const char *const applets[] = { "sh", "true", NULL };
  const char *const dirs[] = { "proc", "sys", "dev", "tmp", "run", "etc", NULL };
  const char *const files[] = { "etc/hostname", "etc/hosts", "etc/resolv.conf", NULL };

  for (int i = 0; dirs[i]; i++)
    {
      g_autofree char *path = g_build_filename (dir, dirs[i], NULL);
      if (!pier_fs_mkdir_p (path, 0755, error))
        return FALSE;
    }
  for (int i = 0; files[i]; i++)
    {
      g_autofree char *path = g_build_filename (dir, files[i], NULL);
      if (!g_file_set_contents (path, "", 0, error))
        return FALSE;
    }
  if (!pier_fs_mkdir_p (bin, 0755, error)
      || !g_file_get_contents ("/bin/busybox", &data, &len, error)
      || !g_file_set_contents_full (target, data, len, G_FILE_SET_CONTENTS_NONE, 0755, error))
    return FALSE;
  for (int i = 0; applets[i]; i++)
    {
      g_autofree char *link = g_build_filename (bin, applets[i], NULL);
      if (symlink ("busybox", link) < 0)
        return pier_set_errno (error, errno, "linking %s", link);
    }
  return TRUE;
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *base = NULL;
  g_autofree char *run = NULL;
  g_autofree double *start = NULL, *exited = NULL, *gone = NULL;
  g_autoptr (PierSandboxSpec) spec = pier_sandbox_spec_new ();
  int rounds = argc > 1 ? atoi (argv[1]) : 20;
  const char *network = argc > 2 ? argv[2] : "none";

  if (rounds < 1 || !pier_network_mode_from_string (network, &spec->network, NULL))
    {
      fprintf (stderr, "usage: %s [ROUNDS [none|bridge|host]]\n", argv[0]);
      return 2;
    }
  if (g_getenv ("PIER_MONITOR_PATH") == NULL)
    {
      g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
      g_autofree char *dir = self ? g_path_get_dirname (self) : g_strdup (".");
      g_autofree char *monitor = g_build_filename (dir, "..", "..", "app", "pier-monitor", NULL);
      g_setenv ("PIER_MONITOR_PATH", monitor, TRUE);
    }
  base = g_dir_make_tmp ("pier-bench-sandbox-XXXXXX", &error);
  run = g_strdup (g_file_test ("/dev/shm", G_FILE_TEST_IS_DIR) ? "/dev/shm/pier-bench-XXXXXX"
                                                               : "/tmp/pier-bench-run-XXXXXX");
  if (base == NULL || g_mkdtemp (run) == NULL
      || !make_busybox_layer (g_build_filename (base, "lower", NULL), &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  spec->id = g_strdup ("be4c4b0000000000000000000000000000000000000000000000000000000001");
  spec->state_dir = g_build_filename (run, "state", NULL);
  spec->log_path = g_build_filename (base, "log", NULL);
  spec->runroot = g_strdup (run);
  spec->lower_dirs = g_new0 (char *, 2);
  spec->lower_dirs[0] = g_build_filename (base, "lower", NULL);
  spec->argv = g_strsplit ("/bin/true", " ", -1);
  spec->env = g_strsplit ("PATH=/bin", " ", -1);
  spec->uid_base = spec->gid_base = 1000000000;
  spec->uid_count = spec->gid_count = 65536;

  start = g_new (double, rounds);
  exited = g_new (double, rounds);
  gone = g_new (double, rounds);
  for (int i = 0; i < rounds; i++)
    {
      g_autofree char *layer = g_strdup_printf ("%s/layer-%d", base, i);
      PierSandboxStartInfo info;
      PierSandboxState state;
      struct pollfd pfd;
      gint64 t0, t1, t2;

      g_free (spec->upper_dir);
      g_free (spec->work_dir);
      spec->upper_dir = g_build_filename (layer, "upper", NULL);
      spec->work_dir = g_build_filename (layer, "work", NULL);
      if (!pier_fs_mkdir_p (spec->upper_dir, 0755, &error)
          || !pier_fs_mkdir_p (spec->work_dir, 0700, &error))
        break;

      t0 = g_get_monotonic_time ();
      if (!pier_sandbox_start (spec, PIER_SANDBOX_START_NONE, &info, &error))
        break;
      t1 = g_get_monotonic_time ();
      pfd.fd = (int) syscall (SYS_pidfd_open, info.monitor_pid, 0);
      pfd.events = POLLIN;
      if (!pier_sandbox_wait (spec->state_dir, 10000, &state, &error))
        break;
      t2 = g_get_monotonic_time ();
      if (pfd.fd >= 0)
        {
          poll (&pfd, 1, 10000);
          close (pfd.fd);
        }
      start[i] = (t1 - t0) / 1000.0;
      exited[i] = (t2 - t0) / 1000.0;
      gone[i] = (g_get_monotonic_time () - t0) / 1000.0;
      pier_sandbox_state_clear (&state);
      pier_sandbox_start_info_clear (&info);
      pier_fs_rm_rf_at (AT_FDCWD, layer, NULL);
    }
  pier_fs_rm_rf_at (AT_FDCWD, base, NULL);
  pier_fs_rm_rf_at (AT_FDCWD, run, NULL);
  if (error != NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  printf ("%d containers of /bin/true, network %s\n", rounds, network);
  report ("start", start, rounds);
  report ("exit", exited, rounds);
  report ("gone", gone, rounds);
  return 0;
}
