/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Benchmark of the process scanner against procps, on a host with many sleeping processes.
 * Driven by bench-processes.sh, which starts the sleepers with --hold and always kills them.
 *
 *   bench-process-snapshot --hold N PIDFILE   fork N children that pause(); their PIDs go to
 *                                             PIDFILE; SIGTERM kills and reaps them
 *   bench-process-snapshot --measure ROUNDS   one full snapshot (cold scanner, cold on one
 *                                             thread, warm scanner, warm without held
 *                                             descriptors) against
 *                                             `ps -e -o pid,sid,user,comm`, a bare loop
 *                                             reading /proc/PID/stat and one reading the
 *                                             three files ps reads, on as many threads as
 *                                             the scanner; medians
 *   bench-process-snapshot --refresh SECONDS  CPU of a 1 Hz refresh, as % of one core */
#include "pier-process-snapshot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static gint64
now_us (void)
{
  return g_get_monotonic_time ();
}

/* ---- --hold ------------------------------------------------------------------------------ */

static GArray *held;

static void
on_term (int sig)
{
  /* async-signal-safe: kill and reap by PID */
  for (guint i = 0; i < held->len; i++)
    kill (g_array_index (held, pid_t, i), SIGKILL);
  for (guint i = 0; i < held->len; i++)
    waitpid (g_array_index (held, pid_t, i), NULL, 0);
  _exit (0);
}

static int
hold (int n, const char *pidfile)
{
  pid_t parent = getpid ();
  FILE *out = fopen (pidfile, "we");

  if (out == NULL)
    {
      perror (pidfile);
      return 1;
    }
  held = g_array_sized_new (FALSE, FALSE, sizeof (pid_t), n);
  signal (SIGTERM, on_term);
  signal (SIGINT, on_term);
  for (int i = 0; i < n; i++)
    {
      pid_t pid = fork ();
      if (pid == 0)
        {
          /* never outlive the holder, even if it is killed outright */
          prctl (PR_SET_PDEATHSIG, SIGKILL);
          if (getppid () != parent)
            _exit (0);
          for (;;)
            pause ();
        }
      if (pid < 0)
        {
          fprintf (stderr, "fork %d: %s\n", i, g_strerror (errno));
          on_term (0);
        }
      g_array_append_val (held, pid);
      fprintf (out, "%d\n", pid);
    }
  fclose (out);
  for (;;)
    pause ();
}

/* ---- --measure ---------------------------------------------------------------------------- */

static int
compare_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static double
median (GArray *values)
{
  g_array_sort (values, compare_double);
  return g_array_index (values, double, values->len / 2);
}

static double
time_ps (void)
{
  gint64 start = now_us ();
  pid_t pid = fork ();
  int status;

  if (pid == 0)
    {
      int devnull = open ("/dev/null", O_WRONLY | O_CLOEXEC);
      dup2 (devnull, 1);
      execlp ("ps", "ps", "-e", "-o", "pid,sid,user,comm", (char *) NULL);
      _exit (127);
    }
  waitpid (pid, &status, 0);
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    g_error ("ps failed");
  return (double) (now_us () - start);
}

static double
time_snapshot (PierProcessScanner *scanner, guint *n)
{
  g_autoptr (GError) error = NULL;
  gint64 start = now_us ();
  g_autoptr (PierProcessSnapshot) snap = pier_process_scanner_snapshot (scanner, NULL, &error);
  double elapsed = (double) (now_us () - start);

  if (snap == NULL)
    g_error ("snapshot: %s", error->message);
  *n = pier_process_snapshot_get_n_processes (snap);
  return elapsed;
}

static double
time_cold (guint max_threads, guint *n)
{
  gint64 start = now_us ();
  g_autoptr (PierProcessScanner) scanner = pier_process_scanner_new ();

  pier_process_scanner_set_max_threads (scanner, max_threads);

  time_snapshot (scanner, n);
  return (double) (now_us () - start); /* creation included, freeing not */
}

/* Floors: open, read and close @files of every PID, nothing else, on @n_threads threads that
 * take every n-th PID each. */
typedef struct {
  GArray *pids;
  const char *const *files;
  guint first, step;
  int procfd;
} FilesLoop;

static gpointer
files_loop_run (gpointer data)
{
  const FilesLoop *l = data;
  char path[64], buf[4096];

  for (guint i = l->first; i < l->pids->len; i += l->step)
    for (guint f = 0; l->files[f] != NULL; f++)
      {
        int fd;
        g_snprintf (path, sizeof path, "%d/%s", g_array_index (l->pids, int, i), l->files[f]);
        fd = openat (l->procfd, path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0)
          {
            if (read (fd, buf, sizeof buf) < 0 && errno != ESRCH)
              g_error ("reading %s: %s", path, g_strerror (errno));
            close (fd);
          }
      }
  return NULL;
}

static double
time_files_loop (const char *const *files, guint n_threads)
{
  gint64 start = now_us ();
  g_autoptr (GArray) pids = g_array_new (FALSE, FALSE, sizeof (int));
  g_autofree FilesLoop *loops = g_new0 (FilesLoop, n_threads);
  g_autofree GThread **threads = g_new0 (GThread *, n_threads);
  int procfd = open ("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *dir = fdopendir (dup (procfd));
  struct dirent *de;

  while ((de = readdir (dir)) != NULL)
    if (de->d_name[0] >= '1' && de->d_name[0] <= '9')
      {
        int pid = atoi (de->d_name);
        g_array_append_val (pids, pid);
      }
  closedir (dir);
  for (guint t = 0; t < n_threads; t++)
    {
      loops[t] = (FilesLoop){ pids, files, t, n_threads, procfd };
      if (t > 0)
        threads[t] = g_thread_new ("files-loop", files_loop_run, &loops[t]);
    }
  files_loop_run (&loops[0]);
  for (guint t = 1; t < n_threads; t++)
    g_thread_join (threads[t]);
  close (procfd);
  return (double) (now_us () - start);
}

static int
measure (int rounds)
{
  g_autoptr (PierProcessScanner) warm = pier_process_scanner_new ();
  g_autoptr (PierProcessScanner) warm_no_fds = pier_process_scanner_new ();
  g_autoptr (GArray) ps = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) cold = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) cold_serial = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) hot = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) hot_no_fds = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) bare = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) ps_files = g_array_new (FALSE, FALSE, sizeof (double));
  const char *const stat_only[] = { "stat", NULL };
  const char *const files_ps_reads[] = { "stat", "status", "cmdline", NULL };
  guint n_threads = MIN (g_get_num_processors (), 4);
  guint n = 0, n2;
  double m_ps, m_cold, m_cold_serial, m_hot, m_hot_no_fds, m_bare, m_ps_files;

  pier_process_scanner_set_max_open_files (warm_no_fds, 0);
  time_snapshot (warm, &n2);
  time_snapshot (warm_no_fds, &n2);
  for (int r = 0; r < rounds; r++)
    {
      double v;
      v = time_ps ();
      g_array_append_val (ps, v);
      v = time_cold (G_MAXUINT, &n);
      g_array_append_val (cold, v);
      v = time_cold (1, &n);
      g_array_append_val (cold_serial, v);
      g_usleep (200000); /* a refresh is never back to back */
      v = time_snapshot (warm, &n2);
      g_array_append_val (hot, v);
      v = time_snapshot (warm_no_fds, &n2);
      g_array_append_val (hot_no_fds, v);
      v = time_files_loop (stat_only, 1);
      g_array_append_val (bare, v);
      v = time_files_loop (files_ps_reads, n_threads);
      g_array_append_val (ps_files, v);
    }
  m_ps = median (ps);
  m_cold = median (cold);
  m_cold_serial = median (cold_serial);
  m_hot = median (hot);
  m_hot_no_fds = median (hot_no_fds);
  m_bare = median (bare);
  m_ps_files = median (ps_files);
  printf ("processes: %u, rounds: %d, descriptors held by the warm scanner: %u\n", n, rounds,
          pier_process_scanner_get_n_open_files (warm));
  printf ("  ps -e -o pid,sid,user,comm   %8.1f ms  %6.1f us/process\n", m_ps / 1000, m_ps / n);
  printf ("  bare /proc/PID/stat loop     %8.1f ms  %6.1f us/process  %.2fx ps\n", m_bare / 1000,
          m_bare / n, m_bare / m_ps);
  printf ("  floor: the files ps reads    %8.1f ms  %6.1f us/process  %.2fx ps  "
          "(stat, status, cmdline; %u threads)\n",
          m_ps_files / 1000, m_ps_files / n, m_ps_files / m_ps, n_threads);
  printf ("  pier snapshot, cold scanner  %8.1f ms  %6.1f us/process  %.2fx ps  (%u threads)\n",
          m_cold / 1000, m_cold / n, m_cold / m_ps, n_threads);
  printf ("  pier cold, on one thread     %8.1f ms  %6.1f us/process  %.2fx ps\n",
          m_cold_serial / 1000, m_cold_serial / n, m_cold_serial / m_ps);
  printf ("  pier snapshot, warm          %8.1f ms  %6.1f us/process  %.2fx ps\n", m_hot / 1000,
          m_hot / n, m_hot / m_ps);
  printf ("  pier warm, no held stat fds  %8.1f ms  %6.1f us/process  %.2fx ps\n",
          m_hot_no_fds / 1000, m_hot_no_fds / n, m_hot_no_fds / m_ps);
  return 0;
}

/* ---- --refresh ---------------------------------------------------------------------------- */

static gint64
cpu_us (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return (gint64) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * G_USEC_PER_SEC + ru.ru_utime.tv_usec
         + ru.ru_stime.tv_usec;
}

static int
refresh (int seconds)
{
  g_autoptr (PierProcessScanner) scanner = pier_process_scanner_new ();
  struct timespec next;
  gint64 cpu0, wall0, cpu1, wall1;
  guint n = 0;

  time_snapshot (scanner, &n); /* the view opens: one cold snapshot, not counted */
  clock_gettime (CLOCK_MONOTONIC, &next);
  cpu0 = cpu_us ();
  wall0 = now_us ();
  for (int i = 0; i < seconds; i++)
    {
      next.tv_sec++;
      while (clock_nanosleep (CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
        ;
      time_snapshot (scanner, &n);
    }
  cpu1 = cpu_us ();
  wall1 = now_us ();
  printf ("1 Hz refresh of %u processes for %d s: %.2f%% of one core (%.1f ms CPU per "
          "refresh)\n",
          n, seconds, 100.0 * (double) (cpu1 - cpu0) / (double) (wall1 - wall0),
          (double) (cpu1 - cpu0) / seconds / 1000.0);
  return 0;
}

int
main (int argc, char **argv)
{
  struct rlimit rl;

  /* what the app does at start, so the scanner may hold a descriptor per process */
  if (getrlimit (RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max)
    {
      rl.rlim_cur = rl.rlim_max;
      setrlimit (RLIMIT_NOFILE, &rl);
    }
  if (argc == 4 && strcmp (argv[1], "--hold") == 0)
    return hold (atoi (argv[2]), argv[3]);
  if (argc == 3 && strcmp (argv[1], "--measure") == 0)
    return measure (atoi (argv[2]));
  if (argc == 3 && strcmp (argv[1], "--refresh") == 0)
    return refresh (atoi (argv[2]));
  fprintf (stderr, "usage: %s --hold N PIDFILE | --measure ROUNDS | --refresh SECONDS\n", argv[0]);
  return 2;
}
