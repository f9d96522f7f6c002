/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-proc-cold-pass-private.h"

#include <unistd.h>

/* How many new processes make a cold pass worth starting threads; the threads take this many
 * processes at a time. */
#define COLD_PASS_MIN 256
#define COLD_PASS_CHUNK 32

typedef struct {
  PierProcColdPass *pass;
  PierProcReader reader;
  GThread *thread;
} ColdPassWorker;

static void
cold_pass_run (PierProcColdPass *c, PierProcReader *r)
{
  for (;;)
    {
      guint first = (guint) g_atomic_int_add (&c->next, COLD_PASS_CHUNK);

      if (first >= c->n)
        return;
      for (guint i = first; i < MIN (first + COLD_PASS_CHUNK, c->n); i++)
        {
          c->results[i] = pier_proc_entry_scan (c->self, r, c->entries[i], &c->stat_fds[i]);
          if (r->failure != 0 && r->failed_pid == 0)
            r->failed_pid = c->entries[i]->pid;
          /* a descriptor for each of thousands of processes, held to the join, could run out:
           * they are kept only when the budget has room for all */
          if (!c->keep_fds && c->stat_fds[i] >= 0)
            {
              close (c->stat_fds[i]);
              c->stat_fds[i] = -1;
            }
        }
    }
}

static gpointer
cold_pass_worker_run (gpointer data)
{
  ColdPassWorker *w = data;

  cold_pass_run (w->pass, &w->reader);
  return NULL;
}

/* Reads the processes of self->pids that the scanner does not know, on up to max_threads
 * threads, when there are enough of them to be worth it; @c is left empty otherwise. */
void
pier_proc_cold_pass (PierProcessScanner *self, PierProcColdPass *c)
{
  guint n_threads = MIN (self->max_threads, g_get_num_processors ());
  g_autoptr (GArray) new_pids = g_array_new (FALSE, FALSE, sizeof (int));
  ColdPassWorker *workers;

  c->self = self;
  for (guint i = 0; i < self->pids->len; i++)
    {
      int pid = g_array_index (self->pids, int, i);
      if (!g_hash_table_contains (self->entries, GINT_TO_POINTER (pid)))
        g_array_append_val (new_pids, pid);
    }
  if (new_pids->len < COLD_PASS_MIN || n_threads < 2)
    return;
  c->n = new_pids->len;
  c->entries = g_new (PierProcEntry *, c->n);
  c->results = g_new (PierProcScanResult, c->n);
  c->stat_fds = g_new (int, c->n);
  for (guint i = 0; i < c->n; i++)
    {
      c->entries[i] = pier_proc_entry_new (g_array_index (new_pids, int, i));
      c->stat_fds[i] = -1;
    }
  c->keep_fds = c->n <= pier_proc_entry_fd_room (self);

  workers = g_new0 (ColdPassWorker, n_threads - 1);
  for (guint i = 0; i < n_threads - 1; i++)
    {
      workers[i].pass = c;
      pier_proc_reader_init (&workers[i].reader);
      /* without the thread, the calling one reads its share */
      workers[i].thread =
          g_thread_try_new ("pier-proc-scan", cold_pass_worker_run, &workers[i], NULL);
    }
  cold_pass_run (c, &self->reader);
  for (guint i = 0; i < n_threads - 1; i++)
    {
      PierProcReader *r = &workers[i].reader;

      if (workers[i].thread != NULL)
        g_thread_join (workers[i].thread);
      if (r->failure != 0 && self->reader.failure == 0)
        {
          self->reader.failure = r->failure;
          self->reader.failed_pid = r->failed_pid;
        }
      pier_proc_user_ns_adopt (self, r);
      pier_proc_reader_clear (r);
    }
  g_free (workers);
}

/* Frees what the serial pass did not settle (it stopped at a failure). */
void
pier_proc_cold_pass_clear (PierProcessScanner *self, PierProcColdPass *c)
{
  for (guint i = 0; i < c->n; i++)
    if (c->entries[i] != NULL)
      {
        if (c->stat_fds[i] >= 0)
          close (c->stat_fds[i]);
        pier_proc_entry_free (self, c->entries[i]);
      }
  g_free (c->entries);
  g_free (c->results);
  g_free (c->stat_fds);
}
