/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-engine-copy.h"

#include "pier-error.h"
#include "pier-i18n.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#define RELAY_CHUNK (256 * 1024)

/* The save, on a thread of its own, writing into the relay's pipe. */
typedef struct {
  PierEngine *source;
  const char *image;
  int fd;
  GCancellable *cancellable;
  GError *error;
} SaveJob;

static gpointer
save_thread (gpointer data)
{
  SaveJob *job = data;
  const char *images[] = { job->image, NULL };

  pier_engine_save (job->source, images, "docker-archive", job->fd, job->cancellable,
                    &job->error);
  /* The end of the archive: the relay reads to EOF whatever happened. */
  close (g_steal_fd (&job->fd));
  return NULL;
}

typedef struct {
  PierEngine *target;
  int fd;
  GCancellable *cancellable;
  GPtrArray *loaded;
  GError *error;
} LoadJob;

static gpointer
load_thread (gpointer data)
{
  LoadJob *job = data;

  job->loaded = pier_engine_load (job->target, job->fd, job->cancellable, &job->error);
  close (g_steal_fd (&job->fd));
  return NULL;
}

/* A socket, not a pipe, towards the load: a load that stopped reading gives EPIPE here rather
 * than a SIGPIPE that would end the calling program. */
static gboolean
send_all (int fd, const char *data, gsize len)
{
  while (len > 0)
    {
      ssize_t n = send (fd, data, len, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      data += n;
      len -= (gsize) n;
    }
  return TRUE;
}

/* Moves the save's bytes to the load, counting them. Once the load has stopped (its end of
 * the pipe closed), the save is cancelled and the rest of its output read and dropped, so that
 * it never writes into a closed pipe. */
static void
relay (int from, int to, GCancellable *stop_save, PierCopyProgressFunc progress,
       gpointer progress_data)
{
  g_autofree char *buffer = g_malloc (RELAY_CHUNK);
  guint64 moved = 0;
  gboolean load_open = TRUE;
  ssize_t n;

  while ((n = read (from, buffer, RELAY_CHUNK)) != 0)
    {
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          break;
        }
      if (load_open && !send_all (to, buffer, (gsize) n))
        {
          load_open = FALSE;
          g_cancellable_cancel (stop_save);
        }
      if (load_open)
        {
          moved += (guint64) n;
          if (progress != NULL)
            progress (moved, progress_data);
        }
    }
}

GPtrArray *
pier_engine_copy_image (PierEngine *source, const char *image, PierEngine *target,
                        PierCopyProgressFunc progress, gpointer progress_data,
                        GCancellable *cancellable, GError **error)
{
  g_autoptr (GCancellable) stop_save = g_cancellable_new ();
  SaveJob save = { source, image, -1, stop_save, NULL };
  LoadJob load = { target, -1, cancellable, NULL, NULL };
  GThread *save_worker, *load_worker;
  gulong chained = 0;
  int save_pipe[2], load_pipe[2];

  g_return_val_if_fail (PIER_IS_ENGINE (source) && PIER_IS_ENGINE (target), NULL);
  if (pipe2 (save_pipe, O_CLOEXEC) < 0)
    {
      pier_set_errno (error, errno, _("copying %s"), image);
      return NULL;
    }
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, load_pipe) < 0)
    {
      pier_set_errno (error, errno, _("copying %s"), image);
      close (save_pipe[0]);
      close (save_pipe[1]);
      return NULL;
    }
  if (cancellable != NULL)
    chained = g_cancellable_connect (cancellable, G_CALLBACK (g_cancellable_cancel),
                                     g_object_ref (stop_save), g_object_unref);
  save.fd = save_pipe[1];
  load.fd = load_pipe[0];
  save_worker = g_thread_new ("pier-copy-save", save_thread, &save);
  load_worker = g_thread_new ("pier-copy-load", load_thread, &load);
  relay (save_pipe[0], load_pipe[1], stop_save, progress, progress_data);
  close (load_pipe[1]);
  close (save_pipe[0]);
  g_thread_join (save_worker);
  g_thread_join (load_worker);
  g_cancellable_disconnect (cancellable, chained);

  /* The save's failure explains the load's (a cut archive); the load's own stands alone. */
  if (save.error != NULL && !g_error_matches (save.error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
      && !g_error_matches (save.error, PIER_ERROR, PIER_ERROR_CANCELLED))
    {
      g_clear_pointer (&load.loaded, g_ptr_array_unref);
      g_clear_error (&load.error);
      g_propagate_prefixed_error (error, save.error, _("copying %s: "), image);
      return NULL;
    }
  g_clear_error (&save.error);
  if (load.error != NULL)
    {
      g_propagate_prefixed_error (error, load.error, _("copying %s: "), image);
      return NULL;
    }
  return load.loaded;
}
