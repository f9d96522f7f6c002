/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-network [ROUNDS]: as root, attaches a fresh network namespace to pier0 and detaches it
 * again ROUNDS times (20 by default), and prints the median, fastest and slowest of attach,
 * detach and both, in milliseconds. */
#include "pier-fsutil.h"
#include "pier-network.h"

#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

static gpointer
new_netns_thread (gpointer out_fd)
{
  if (unshare (CLONE_NEWNET) == 0)
    *(int *) out_fd = open ("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  return NULL;
}

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
  printf ("%-14s median %7.3f ms  min %7.3f  max %7.3f\n", what, median, ms[0], ms[rounds - 1]);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree double *attach = NULL, *detach = NULL, *both = NULL;
  int rounds = argc > 1 ? atoi (argv[1]) : 20;
  pier_autofd int netns = -1;

  if (rounds < 1)
    {
      fprintf (stderr, "usage: %s [ROUNDS]\n", argv[0]);
      return 2;
    }
  g_thread_join (g_thread_new ("bench-netns", new_netns_thread, &netns));
  if (netns < 0)
    {
      fprintf (stderr, "cannot make a network namespace (are you root?)\n");
      return 1;
    }
  attach = g_new (double, rounds);
  detach = g_new (double, rounds);
  both = g_new (double, rounds);

  for (int i = 0; i < rounds; i++)
    {
      g_autoptr (PierNetworkLease) lease = NULL;
      gint64 start = g_get_monotonic_time (), attached, detached;

      lease = pier_network_attach_bridge (netns, "bench-network", &error);
      attached = g_get_monotonic_time ();
      if (lease == NULL || !pier_network_detach_bridge ("bench-network", &error))
        {
          fprintf (stderr, "%s\n", error->message);
          return 1;
        }
      detached = g_get_monotonic_time ();
      attach[i] = (attached - start) / 1000.0;
      detach[i] = (detached - attached) / 1000.0;
      both[i] = (detached - start) / 1000.0;
    }
  report ("attach", attach, rounds);
  report ("detach", detach, rounds);
  report ("attach+detach", both, rounds);
  return 0;
}
