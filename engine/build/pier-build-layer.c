/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Layers a build makes, kept uncommitted in the store's work directory until the build ends. */
#include "pier-build-private.h"

#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

void
pier_build_layer_free (PierBuildLayer *layer)
{
  if (layer == NULL)
    return;
  pier_descriptor_free (layer->descriptor);
  g_free (layer->diff_id);
  g_free (layer->dir);
  pier_pending_blob_free (layer->pending);
  g_free (layer);
}

PierBuildLayer *
pier_build_layer_new_stored (PierStore *store, const PierDescriptor *descriptor,
                             const char *diff_id)
{
  PierBuildLayer *layer = g_new0 (PierBuildLayer, 1);

  layer->descriptor = pier_descriptor_copy (descriptor);
  layer->diff_id = g_strdup (diff_id);
  layer->dir = pier_store_get_layer_path (store, diff_id);
  return layer;
}

char *
pier_build_work_path (PierStore *store, GError **error)
{
  int fd = pier_store_get_work_fd (store, error);
  g_autofree char *proc = NULL;
  char *path;

  if (fd < 0)
    return NULL;
  proc = g_strdup_printf ("/proc/self/fd/%d", fd);
  path = g_file_read_link (proc, error);
  if (path == NULL)
    g_prefix_error (error, _("finding the work directory: "));
  return path;
}

PierBuildLayer *
pier_build_layer_new_pending (PierStore *store, PierPendingBlob *pending, GError **error)
{
  g_autofree char *work = pier_build_work_path (store, error);
  PierBuildLayer *layer;

  if (work == NULL)
    {
      pier_pending_blob_free (pending);
      return NULL;
    }
  layer = g_new0 (PierBuildLayer, 1);
  layer->descriptor = pier_pending_blob_layer_descriptor (pending);
  layer->diff_id = g_strdup (pending->diff_id);
  layer->dir = g_build_filename (work, pending->work_name, "diff", NULL);
  layer->pending = pending;
  return layer;
}

/* ---- packing a sandbox layer ---- */

typedef struct {
  int dirfd;
  PierPackOptions options;
  int fd;
  GCancellable *cancellable;
  GError *error;
  gboolean ok;
} PackJob;

static gboolean
write_socket (gpointer user_data, const void *buffer, gsize len, GError **error)
{
  PackJob *job = user_data;
  const char *p = buffer;

  while (len > 0)
    {
      /* MSG_NOSIGNAL: a reader that gave up makes this fail, not kill the process. */
      ssize_t n = send (job->fd, p, len, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return pier_set_errno (error, errno, _("handing the layer over"));
      p += n;
      len -= n;
    }
  return TRUE;
}

static gpointer
pack_thread (gpointer data)
{
  PackJob *job = data;

  job->ok = pier_layer_pack (job->dirfd, &job->options, write_socket, job, job->cancellable,
                             &job->error);
  close (job->fd);
  return NULL;
}

PierPendingBlob *
pier_build_pack_to_pending (PierStore *store, int dirfd, const PierPackOptions *options,
                            GCancellable *cancellable, GError **error)
{
  PackJob job = { dirfd, *options, -1, cancellable, NULL, FALSE };
  g_autoptr (PierPendingBlob) pending = NULL;
  GThread *thread;
  int sv[2];

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    {
      pier_set_errno (error, errno, _("packing a layer"));
      return NULL;
    }
  job.fd = sv[1];
  thread = g_thread_new ("pier-pack", pack_thread, &job);
  pending = pier_pending_blob_read (store, pier_read_fd, GINT_TO_POINTER (sv[0]), cancellable,
                                    error);
  close (sv[0]);
  g_thread_join (thread);
  if (pending == NULL)
    {
      g_clear_error (&job.error);
      return NULL;
    }
  if (!job.ok)
    {
      g_propagate_error (error, job.error);
      return NULL;
    }
  if (pending->work_name == NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED, _("the packed layer does not unpack: %s"),
                   pending->unpack_error ? pending->unpack_error->message : "unknown reason");
      return NULL;
    }
  return g_steal_pointer (&pending);
}

/* ---- a tree the builder wrote ---- */

PierBuildLayer *
pier_build_layer_new_staged (PierStore *store, const char *work_name, GCancellable *cancellable,
                             GError **error)
{
  int work_fd = pier_store_get_work_fd (store, error);
  g_autofree char *diff = g_build_filename (work_name, "diff", NULL);
  g_autoptr (PierPendingBlob) pending = NULL;
  pier_autofd int diff_fd = -1;
  PierPackOptions options = { .userxattr = pier_store_is_rootless (store), .clamp_mtime = -1 };

  if (work_fd < 0 || (diff_fd = pier_fs_open_dir_at (work_fd, diff, error)) < 0)
    return NULL;
  pending = g_new0 (PierPendingBlob, 1);
  pending->store = g_object_ref (store);
  pending->work_name = g_strdup (work_name);
  pending->blob = pier_blob_writer_new (pier_store_get_blobs (store), error);
  if (pending->blob == NULL
      || !pier_layer_pack (diff_fd, &options, pier_blob_writer_write, pending->blob, cancellable,
                           error))
    return NULL;
  /* Uncompressed: the blob is the tar, its digest the diff_id. */
  pending->digest = g_strdup (pier_blob_writer_get_digest (pending->blob));
  pending->diff_id = g_strdup (pending->digest);
  pending->size = pending->uncompressed_size = pier_blob_writer_get_size (pending->blob);
  return pier_build_layer_new_pending (store, g_steal_pointer (&pending), error);
}
