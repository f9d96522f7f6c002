/* SPDX-License-Identifier: GPL-3.0-or-later */
/* COPY, ADD and WORKDIR's layer, staged in the work directory exactly as it will be stored:
 * files with their modes and modification times, the directories on the way with the metadata
 * the image already gives them, new ones with the stage's fixed time. */
#include "pier-build-copy-private.h"

#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"
#include "pier-layer-stream.h"
#include "pier-layer-unpack.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
  PierBuild *build;
  PierBuildStage *stage;
  PierMergedTree *tree;     /* the stage below the new layer */
  int diff_fd;
  GHashTable *made;         /* directories present in the staged tree */
  GPtrArray *dir_times;     /* PierCopyItem*-like records: dest and mtime, applied at the end */
} Stager;

typedef struct {
  char *path;
  gint64 sec;
} DirTime;

static void
dir_time_free (DirTime *t)
{
  g_free (t->path);
  g_free (t);
}

static int
open_staged (Stager *s, const char *path, int flags)
{
  return pier_fs_open_in_root (s->diff_fd, path, flags, RESOLVE_NO_SYMLINKS);
}

/* Makes directory @path in the staged tree, with @st's metadata (owner, mode, time). */
static gboolean
make_dir (Stager *s, const char *path, mode_t mode, guint32 uid, guint32 gid, gint64 mtime,
          GError **error)
{
  g_autofree char *parent = g_path_get_dirname (path);
  g_autofree char *name = g_path_get_basename (path);
  pier_autofd int parent_fd = open_staged (s, strcmp (parent, ".") == 0 ? "" : parent,
                                           O_RDONLY | O_DIRECTORY);
  struct stat st;
  DirTime *t;

  if (parent_fd < 0)
    return pier_set_errno (error, errno, _("staging /%s"), parent);
  if (fstatat (parent_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR (st.st_mode))
    {
      if (unlinkat (parent_fd, name, 0) < 0)
        return pier_set_errno (error, errno, _("replacing /%s with a directory"), path);
    }
  if (mkdirat (parent_fd, name, 0700) < 0 && errno != EEXIST)
    return pier_set_errno (error, errno, _("staging /%s"), path);
  if (fchownat (parent_fd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0
      || fchmodat (parent_fd, name, mode & 07777, 0) < 0)
    return pier_set_errno (error, errno, _("setting the owner and mode of /%s"), path);
  g_hash_table_add (s->made, g_strdup (path));
  t = g_new0 (DirTime, 1);
  t->path = g_strdup (path);
  t->sec = mtime;
  g_ptr_array_add (s->dir_times, t);
  return TRUE;
}

/* Every directory of @path that is not staged yet: as the image has it, or new (root's, 0755,
 * the stage's time; @owner_uid/gid for @owned, the destination COPY creates). */
static gboolean
make_parents (Stager *s, const char *path, gboolean include_last, const char *owned,
              guint32 owner_uid, guint32 owner_gid, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (path, "/", -1);
  guint n = g_strv_length (parts);
  GString *so_far = g_string_new (NULL);
  gboolean ok = TRUE;

  for (guint i = 0; ok && i < n - (include_last ? 0 : 1); i++)
    {
      PierMergedEntry entry;
      if (*parts[i] == '\0')
        continue;
      if (so_far->len > 0)
        g_string_append_c (so_far, '/');
      g_string_append (so_far, parts[i]);
      if (g_hash_table_contains (s->made, so_far->str))
        continue;
      if (pier_merged_tree_lookup (s->tree, so_far->str, FALSE, &entry, NULL))
        {
          if (S_ISDIR (entry.st.st_mode))
            ok = make_dir (s, so_far->str, entry.st.st_mode, entry.st.st_uid, entry.st.st_gid,
                           entry.st.st_mtim.tv_sec, error);
          else
            ok = make_dir (s, so_far->str, 0755, 0, 0, s->stage->base_time, error);
          pier_merged_entry_clear (&entry);
        }
      else if (owned != NULL && strcmp (so_far->str, owned) == 0)
        ok = make_dir (s, so_far->str, 0755, owner_uid, owner_gid, s->stage->base_time, error);
      else
        ok = make_dir (s, so_far->str, 0755, 0, 0, s->stage->base_time, error);
    }
  g_string_free (so_far, TRUE);
  return ok;
}

static gboolean
copy_data (int from, int to, const char *what, GError **error)
{
  gboolean plain = FALSE;
  guint8 buf[65536];

  for (;;)
    {
      ssize_t n;
      if (!plain)
        {
          n = copy_file_range (from, NULL, to, NULL, 1 << 30, 0);
          if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == EOPNOTSUPP || errno == ENOSYS))
            {
              plain = TRUE;
              continue;
            }
        }
      else
        {
          n = read (from, buf, sizeof buf);
          if (n > 0 && !pier_fs_write_all (to, buf, n, error))
            return FALSE;
        }
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return pier_set_errno (error, errno, _("copying %s"), what);
      if (n == 0)
        return TRUE;
    }
}

static gboolean
finish_file (int fd, const PierCopyItem *item, GError **error)
{
  struct timespec times[2] = { { item->mtime_sec, 0 }, { item->mtime_sec, 0 } };

  /* Owner before mode: chown clears set-id bits. */
  if (fchown (fd, item->uid, item->gid) < 0 || fchmod (fd, item->mode) < 0
      || futimens (fd, times) < 0)
    return pier_set_errno (error, errno, _("setting the metadata of /%s"), item->dest);
  return TRUE;
}

static gboolean
stage_item (Stager *s, PierCopyPlan *plan, PierCopyItem *item, GError **error)
{
  g_autofree char *parent = g_path_get_dirname (item->dest);
  g_autofree char *name = g_path_get_basename (item->dest);
  pier_autofd int parent_fd = -1;
  pier_autofd int out = -1;
  struct stat st;

  if (item->type == PIER_COPY_ITEM_DIR)
    return make_parents (s, item->dest, FALSE, NULL, 0, 0, error)
           && make_dir (s, item->dest, item->mode, item->uid, item->gid, item->mtime_sec, error);
  if (item->type == PIER_COPY_ITEM_ARCHIVE)
    {
      PierUnpackOptions options = { PIER_UNPACK_APPLY, pier_store_is_rootless (s->build->store),
                                    TRUE };
      g_autoptr (PierLayerStream) stream = NULL;
      pier_autofd int src = pier_fs_open_regular_in_root (
          g_array_index (plan->roots, int, item->root), item->src, RESOLVE_NO_SYMLINKS, G_MAXSIZE,
          NULL, error);
      pier_autofd int dest = -1;
      if (src < 0)
        return FALSE;
      if (!make_parents (s, item->dest, TRUE, NULL, 0, 0, error))
        return FALSE;
      dest = open_staged (s, item->dest, O_RDONLY | O_DIRECTORY);
      if (dest < 0)
        return pier_set_errno (error, errno, _("staging /%s"), item->dest);
      stream = pier_layer_stream_new_for_fd (src);
      if (!pier_layer_unpack (pier_layer_stream_read, stream, dest, &options, NULL,
                              s->build->cancellable, error))
        {
          g_prefix_error (error, _("extracting %s: "), item->src);
          return FALSE;
        }
      return TRUE;
    }

  if (!make_parents (s, item->dest, FALSE, NULL, 0, 0, error))
    return FALSE;
  parent_fd = open_staged (s, strcmp (parent, ".") == 0 ? "" : parent, O_RDONLY | O_DIRECTORY);
  if (parent_fd < 0)
    return pier_set_errno (error, errno, _("staging /%s"), parent);
  if (fstatat (parent_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
    {
      /* A later source replaces what an earlier one put here. */
      if (S_ISDIR (st.st_mode))
        {
          g_autofree char *path = g_strdup (item->dest);
          if (!pier_fs_rm_rf_at (parent_fd, name, error))
            return FALSE;
          g_hash_table_remove (s->made, path);
        }
      else if (unlinkat (parent_fd, name, 0) < 0)
        return pier_set_errno (error, errno, _("replacing /%s"), item->dest);
    }
  if (item->type == PIER_COPY_ITEM_SYMLINK)
    {
      struct timespec times[2] = { { item->mtime_sec, 0 }, { item->mtime_sec, 0 } };
      if (symlinkat (item->target, parent_fd, name) < 0
          || fchownat (parent_fd, name, item->uid, item->gid, AT_SYMLINK_NOFOLLOW) < 0
          || utimensat (parent_fd, name, times, AT_SYMLINK_NOFOLLOW) < 0)
        return pier_set_errno (error, errno, _("staging the symlink /%s"), item->dest);
      return TRUE;
    }
  out = openat (parent_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (out < 0)
    return pier_set_errno (error, errno, _("staging /%s"), item->dest);
  if (item->type == PIER_COPY_ITEM_DATA)
    {
      gsize len;
      const void *data = g_bytes_get_data (item->data, &len);
      if (!pier_fs_write_all (out, data, len, error))
        return FALSE;
    }
  else
    {
      pier_autofd int src = pier_fs_open_regular_in_root (
          g_array_index (plan->roots, int, item->root), item->src, RESOLVE_NO_SYMLINKS, G_MAXSIZE,
          NULL, error);
      if (src < 0)
        return FALSE;
      if (!copy_data (src, out, item->src, error))
        return FALSE;
    }
  return finish_file (out, item, error);
}

static int
compare_depth_desc (gconstpointer a, gconstpointer b)
{
  const DirTime *ta = *(DirTime *const *) a, *tb = *(DirTime *const *) b;
  gsize la = strlen (ta->path), lb = strlen (tb->path);

  return la < lb ? 1 : la > lb ? -1 : 0;
}

/* Directory times last, deepest first: creating what a directory holds changes its time. */
static gboolean
apply_dir_times (Stager *s, GError **error)
{
  g_ptr_array_sort (s->dir_times, compare_depth_desc);
  for (guint i = 0; i < s->dir_times->len; i++)
    {
      DirTime *t = s->dir_times->pdata[i];
      struct timespec times[2] = { { t->sec, 0 }, { t->sec, 0 } };
      if (utimensat (s->diff_fd, t->path, times, AT_SYMLINK_NOFOLLOW) < 0)
        return pier_set_errno (error, errno, _("setting the time of /%s"), t->path);
    }
  return TRUE;
}

/* Stages with @fill, then makes the layer; the staging area goes whatever happens. */
typedef gboolean (*FillFunc) (Stager *s, gpointer data, GError **error);

static PierBuildLayer *
staged_layer (PierBuild *build, PierBuildStage *stage, FillFunc fill, gpointer data,
              GError **error)
{
  int work_fd = pier_store_get_work_fd (build->store, error);
  g_autofree char *work_name = NULL;
  g_autofree char *diff = NULL;
  g_autoptr (PierMergedTree) tree = NULL;
  g_autoptr (GHashTable) made = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GPtrArray) times = g_ptr_array_new_with_free_func ((GDestroyNotify) dir_time_free);
  Stager s = { build, stage, NULL, -1, made, times };
  PierBuildLayer *layer = NULL;

  if (work_fd < 0 || (tree = pier_build_stage_tree (build, stage, error)) == NULL)
    return NULL;
  work_name = pier_fs_mkdtemp_at (work_fd, "build", error);
  if (work_name == NULL)
    return NULL;
  diff = g_build_filename (work_name, "diff", NULL);
  if (mkdirat (work_fd, diff, 0755) < 0)
    pier_set_errno (error, errno, _("creating a layer directory"));
  else if ((s.diff_fd = pier_fs_open_dir_at (work_fd, diff, error)) >= 0)
    {
      s.tree = tree;
      if (fill (&s, data, error) && apply_dir_times (&s, error))
        layer = pier_build_layer_new_staged (build->store, work_name, build->cancellable, error);
      close (s.diff_fd);
    }
  /* The layer owns the directory from here on; without one it goes. */
  if (layer == NULL)
    pier_fs_rm_rf_at (work_fd, work_name, NULL);
  return layer;
}

static gboolean
fill_copy (Stager *s, gpointer data, GError **error)
{
  PierCopyPlan *plan = data;

  if (*plan->dest_dir != '\0'
      && !make_parents (s, plan->dest_dir, TRUE, plan->dest_owned ? plan->dest_dir : NULL,
                        plan->chown ? plan->uid : 0, plan->chown ? plan->gid : 0, error))
    return FALSE;
  for (guint i = 0; i < plan->items->len; i++)
    {
      if (g_cancellable_set_error_if_cancelled (s->build->cancellable, error))
        return FALSE;
      if (!stage_item (s, plan, plan->items->pdata[i], error))
        return FALSE;
    }
  return TRUE;
}

PierBuildLayer *
pier_build_copy_execute (PierBuild *build, PierBuildStage *stage, PierCopyPlan *plan,
                         GError **error)
{
  return staged_layer (build, stage, fill_copy, plan, error);
}

static gboolean
fill_mkdir (Stager *s, gpointer data, GError **error)
{
  return make_parents (s, data, TRUE, NULL, 0, 0, error);
}

PierBuildLayer *
pier_build_mkdir_layer (PierBuild *build, PierBuildStage *stage, const char *path,
                        GError **error)
{
  return staged_layer (build, stage, fill_mkdir, (gpointer) path, error);
}
