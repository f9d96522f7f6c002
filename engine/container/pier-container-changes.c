/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-container-changes.h"

#include "pier-build-config.h"
#include "pier-build-layer.h"
#include "pier-error.h"
#include "pier-events.h"
#include "pier-fsutil.h"
#include "pier-history.h"
#include "pier-i18n.h"
#include "pier-json.h"
#include "pier-merged-tree.h"
#include "pier-output-file.h"
#include "pier-reference.h"
#include "pier-tar-file.h"

#include "pier-libarchive.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

void
pier_change_free (PierChange *change)
{
  if (change == NULL)
    return;
  g_free (change->path);
  g_free (change);
}

char
pier_change_kind_to_char (PierChangeKind kind)
{
  switch (kind)
    {
    case PIER_CHANGE_ADDED:
      return 'A';
    case PIER_CHANGE_DELETED:
      return 'D';
    case PIER_CHANGE_MODIFIED:
    default:
      return 'C';
    }
}

/* Where the runtime binds the container's own files: never the container's changes. */
static gboolean
is_bind_target (const char *path)
{
  return strcmp (path, "etc/hosts") == 0 || strcmp (path, "etc/hostname") == 0
         || strcmp (path, "etc/resolv.conf") == 0;
}

/* ---- diff ---- */

typedef struct {
  PierMergedTree *lower;
  const char *opaque_xattr;
  guint32 id_shift;
  GPtrArray *changes;
} Differ;

static void
add_change (Differ *d, PierChangeKind kind, const char *path)
{
  PierChange *c = g_new0 (PierChange, 1);

  c->kind = kind;
  c->path = g_strconcat ("/", path, NULL);
  g_ptr_array_add (d->changes, c);
}

static guint32
unshift (Differ *d, guint32 id)
{
  return id >= d->id_shift ? id - d->id_shift : id;
}

static gboolean diff_dir (Differ *d, int dirfd, const char *path, guint *count, GError **error);

static gboolean
diff_entry (Differ *d, int dirfd, const char *name, const char *path, guint *count,
            GError **error)
{
  PierMergedEntry lower;
  gboolean in_lower;
  struct stat st;

  if (fstatat (dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return pier_set_errno (error, errno, "/%s", path);
  if (pier_merged_is_whiteout (&st))
    {
      add_change (d, PIER_CHANGE_DELETED, path);
      (*count)++;
      return TRUE;
    }
  if (is_bind_target (path) && S_ISREG (st.st_mode))
    return TRUE;
  in_lower = pier_merged_tree_lookup (d->lower, path, FALSE, &lower, NULL);
  if (S_ISDIR (st.st_mode))
    {
      pier_autofd int fd = openat (dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      char value[2];
      guint inside = 0;
      gboolean opaque, same;

      if (fd < 0)
        {
          if (in_lower)
            pier_merged_entry_clear (&lower);
          return pier_set_errno (error, errno, "/%s", path);
        }
      opaque = fgetxattr (fd, d->opaque_xattr, value, sizeof value) == 1 && value[0] == 'y';
      same = in_lower && S_ISDIR (lower.st.st_mode) && (lower.st.st_mode & 07777) == (st.st_mode & 07777)
             && lower.st.st_uid == unshift (d, st.st_uid) && lower.st.st_gid == unshift (d, st.st_gid);
      if (in_lower)
        pier_merged_entry_clear (&lower);
      /* Under an opaque directory, everything the lower layers held is gone. */
      if (opaque && in_lower)
        {
          g_autoptr (GPtrArray) hidden = pier_merged_tree_list (d->lower, path, NULL);
          for (guint i = 0; hidden && i < hidden->len; i++)
            if (faccessat (fd, hidden->pdata[i], F_OK, AT_SYMLINK_NOFOLLOW) < 0)
              {
                g_autofree char *child = g_strconcat (path, "/", hidden->pdata[i], NULL);
                add_change (d, PIER_CHANGE_DELETED, child);
                inside++;
              }
        }
      if (!diff_dir (d, fd, path, &inside, error))
        return FALSE;
      if (!in_lower || !same || inside > 0)
        {
          add_change (d, in_lower ? PIER_CHANGE_MODIFIED : PIER_CHANGE_ADDED, path);
          inside++;
        }
      *count += inside;
      return TRUE;
    }
  if (in_lower)
    pier_merged_entry_clear (&lower);
  add_change (d, in_lower ? PIER_CHANGE_MODIFIED : PIER_CHANGE_ADDED, path);
  (*count)++;
  return TRUE;
}

static gboolean
diff_dir (Differ *d, int dirfd, const char *path, guint *count, GError **error)
{
  g_autoptr (GPtrArray) names = pier_fs_list_sorted_at (dirfd, error);

  if (names == NULL)
    {
      g_prefix_error (error, _("in the sandbox layer: "));
      return FALSE;
    }
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *child = *path ? g_strconcat (path, "/", names->pdata[i], NULL)
                                     : g_strdup (names->pdata[i]);
      if (!diff_entry (d, dirfd, names->pdata[i], child, count, error))
        return FALSE;
    }
  return TRUE;
}

static int
compare_changes (gconstpointer a, gconstpointer b)
{
  return strcmp ((*(PierChange *const *) a)->path, (*(PierChange *const *) b)->path);
}

GPtrArray *
pier_layer_changes (const char *upper_dir, const char *const *lower_dirs, gboolean userxattr,
                    guint32 id_shift, GError **error)
{
  g_autoptr (PierMergedTree) lower = pier_merged_tree_new (lower_dirs, userxattr, error);
  g_autoptr (GPtrArray) changes = g_ptr_array_new_with_free_func ((GDestroyNotify) pier_change_free);
  pier_autofd int fd = -1;
  Differ d = { lower, userxattr ? "user.overlay.opaque" : "trusted.overlay.opaque", id_shift,
               changes };
  guint count = 0;

  if (lower == NULL || (fd = pier_fs_open_dir_at (AT_FDCWD, upper_dir, error)) < 0
      || !diff_dir (&d, fd, "", &count, error))
    return NULL;
  g_ptr_array_sort (changes, compare_changes);
  return g_steal_pointer (&changes);
}

static GStrv
lower_dirs_of (PierStore *store, const PierContainer *container)
{
  g_autoptr (GPtrArray) lowers = pier_container_get_lower_dirs (store, container);

  g_ptr_array_add (lowers, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&lowers), FALSE);
}

GPtrArray *
pier_container_diff (PierStore *store, const PierContainer *container, GError **error)
{
  g_autofree char *upper = pier_container_get_upper_dir (store, container);
  g_auto (GStrv) lowers = lower_dirs_of (store, container);

  return pier_layer_changes (upper, (const char *const *) lowers, container->rootless,
                             container->rootless ? 0 : container->uid_base, error);
}

/* ---- commit ---- */

static gboolean
lookup_env (const char *name, const char **value, gpointer user_data)
{
  *value = g_environ_getenv (user_data, name);
  return *value != NULL;
}

static gboolean
apply_change (PierImageConfig *config, const char *change, const char *created,
              GError **error)
{
  static const char *const allowed[] = { "cmd", "entrypoint", "env", "expose", "label",
                                         "onbuild", "shell", "stopsignal", "user", "volume",
                                         "workdir", "healthcheck", NULL };
  g_autofree char *text = g_strdup_printf ("FROM scratch\n%s\n", change);
  g_autoptr (PierDockerfile) df = pier_dockerfile_parse (text, strlen (text), "-c",
                                                         PIER_DOCKERFILE_PARSE_DEFAULT, error);
  g_autoptr (PierInstruction) insn = NULL;
  g_autofree char *line = NULL;
  g_autofree char *comment = NULL;
  g_autofree char *created_by = NULL;
  PierConfigEdit edit = { .cmd_set = TRUE };
  gboolean applied;

  if (df == NULL)
    return FALSE;
  if (df->n_instructions != 2 || !g_strv_contains (allowed, df->instructions[1]->keyword))
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("-c “%s”: one of CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, SHELL, "
                     "STOPSIGNAL, USER, VOLUME, WORKDIR or HEALTHCHECK"), change);
      return FALSE;
    }
  insn = pier_dockerfile_expand (df, df->instructions[1], lookup_env, config->config.env, error);
  if (insn == NULL)
    return FALSE;
  applied = pier_build_apply_config (config, insn, &edit, error);
  pier_config_edit_clear (&edit);
  if (!applied)
    return FALSE;
  line = pier_build_instruction_text (insn, NULL);
  comment = g_strconcat (PIER_HISTORY_COMMENT_PREFIX, line, NULL);
  created_by = pier_build_nop_created_by (insn, line, config);
  g_ptr_array_add (config->history,
                   pier_build_history_entry (created, created_by, comment, NULL, TRUE));
  return TRUE;
}

PierImage *
pier_container_commit (PierStore *store, const PierContainer *container,
                       const PierCommitOptions *options, GCancellable *cancellable,
                       GError **error)
{
  g_autoptr (PierImage) image = pier_store_find_image (store, container->image_id, error);
  g_autofree char *upper = pier_container_get_upper_dir (store, container);
  g_autofree char *created = pier_oci_timestamp_now ();
  g_autofree char *created_by = g_strjoinv (" ", container->argv);
  g_autofree char *name = NULL;
  g_autoptr (PierImageConfig) config = NULL;
  g_autoptr (PierPendingBlob) pending = NULL;
  g_autoptr (GPtrArray) descriptors = NULL;
  g_autoptr (PierLock) lock = NULL;
  pier_autofd int upper_fd = -1;
  PierPackOptions pack = {
    .userxattr = container->rootless,
    .clamp_mtime = -1,
    .id_shift = container->rootless ? 0 : container->uid_base,
  };

  if (image == NULL)
    return NULL;
  if (options->name != NULL)
    {
      g_autoptr (PierReference) ref = pier_reference_parse (options->name, error);
      if (ref == NULL)
        return NULL;
      name = pier_reference_to_string (ref);
    }
  /* Refused before the layer is packed, not by the writer of the config after it. */
  if ((options->author != NULL && !pier_json_validate_text ("the author", options->author, error)) ||
      (options->message != NULL && !pier_json_validate_text ("the message", options->message, error)))
    return NULL;
  config = pier_image_config_copy (image->config, error);
  if (config == NULL)
    return NULL;
  g_free (config->created);
  config->created = g_strdup (created);
  if (options->author != NULL)
    {
      g_free (config->author);
      config->author = g_strdup (options->author);
    }
  g_ptr_array_add (config->history,
                   pier_build_history_entry (created, created_by, options->message,
                                             options->author, FALSE));
  for (const char *const *c = options->changes; c && *c; c++)
    if (!apply_change (config, *c, created, error))
      return NULL;
  /* The work directory takes the lock once; before holding it. */
  if (pier_store_get_work_fd (store, error) < 0)
    return NULL;
  upper_fd = pier_fs_open_dir_at (AT_FDCWD, upper, error);
  if (upper_fd < 0)
    return NULL;
  pending = pier_build_pack_to_pending (store, upper_fd, &pack, cancellable, error);
  if (pending == NULL)
    return NULL;
  g_ptr_array_add (config->diff_ids, g_strdup (pending->diff_id));
  descriptors = g_ptr_array_new_with_free_func ((GDestroyNotify) pier_descriptor_free);
  for (guint i = 0; i < image->manifest->layers->len; i++)
    g_ptr_array_add (descriptors, pier_descriptor_copy (image->manifest->layers->pdata[i]));
  g_ptr_array_add (descriptors, pier_pending_blob_layer_descriptor (pending));
  lock = pier_store_lock (store, cancellable, error);
  if (lock == NULL || !pier_pending_blob_commit (store, pending, error))
    return NULL;
  return pier_store_add_image (store, config, descriptors, (const char *const[]){ name, NULL },
                               TRUE, error);
}

/* ---- export ---- */

typedef struct {
  struct archive *ar;
  struct archive_entry *entry;
  PierWriteFunc write;
  gpointer write_data;
  GError *write_error;
  guint32 id_shift;       /* of layer 0, the sandbox layer */
  GHashTable *links;      /* "dev:ino" → first path */
  guint8 *buffer;
} Exporter;

#define EXPORT_BLOCK (1024 * 1024)

static la_ssize_t
export_write (struct archive *ar, void *user_data, const void *buffer, size_t len)
{
  Exporter *x = user_data;

  if (x->write_error != NULL)
    return -1;
  if (!x->write (x->write_data, buffer, len, &x->write_error))
    {
      archive_set_error (ar, EIO, "%s", x->write_error->message);
      return -1;
    }
  return len;
}

static gboolean
export_failed (Exporter *x, const char *path, GError **error)
{
  if (x->write_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&x->write_error));
      return FALSE;
    }
  g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED, _("exporting /%s: %s"), path,
               archive_error_string (x->ar));
  return FALSE;
}

/* A file of a running container may change between the walk's look at it and its export: a
 * regular file or a directory is opened without following links or blocking (a fifo swapped
 * in cannot hang the export) and written as what was opened. */
static int
export_open (const char *path, const PierMergedEntry *e, struct stat *st, GError **error)
{
  int fd;

  if (S_ISREG (e->st.st_mode))
    {
      fd = pier_fs_open_regular_in_root (e->dir_fd, e->name, RESOLVE_NO_SYMLINKS, G_MAXSIZE, st,
                                         error);
      if (fd < 0)
        g_prefix_error (error, _("exporting /%s: "), path);
      return fd;
    }
  fd = openat (e->dir_fd, e->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 || fstat (fd, st) < 0)
    {
      pier_set_errno (error, errno, _("exporting /%s"), path);
      if (fd >= 0)
        close (fd);
      return -1;
    }
  return fd;
}

static gboolean
export_visit (const char *path, const PierMergedEntry *e, gpointer user_data, GError **error)
{
  Exporter *x = user_data;
  guint32 shift = e->layer == 0 ? x->id_shift : 0;
  pier_autofd int fd = -1;
  struct stat st = e->st;
  guint32 uid, gid;

  if (*path == '\0' || S_ISSOCK (st.st_mode))
    return TRUE;
  if ((S_ISREG (st.st_mode) || S_ISDIR (st.st_mode))
      && (fd = export_open (path, e, &st, error)) < 0)
    return FALSE;
  uid = st.st_uid >= shift ? st.st_uid - shift : st.st_uid;
  gid = st.st_gid >= shift ? st.st_gid - shift : st.st_gid;
  archive_entry_clear (x->entry);
  archive_entry_set_pathname (x->entry, path);
  archive_entry_set_mode (x->entry, st.st_mode);
  archive_entry_set_uid (x->entry, uid);
  archive_entry_set_gid (x->entry, gid);
  archive_entry_set_mtime (x->entry, st.st_mtim.tv_sec, 0);
  if (S_ISREG (st.st_mode) && st.st_nlink > 1)
    {
      g_autofree char *key = g_strdup_printf ("%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT,
                                              (guint64) st.st_dev, (guint64) st.st_ino);
      const char *first = g_hash_table_lookup (x->links, key);
      if (first != NULL)
        {
          archive_entry_set_hardlink (x->entry, first);
          archive_entry_set_size (x->entry, 0);
          return archive_write_header (x->ar, x->entry) >= ARCHIVE_WARN || export_failed (x, path, error);
        }
      g_hash_table_insert (x->links, g_steal_pointer (&key), g_strdup (path));
    }
  if (S_ISLNK (st.st_mode))
    {
      char target[4096];
      ssize_t n = readlinkat (e->dir_fd, e->name, target, sizeof target - 1);
      if (n < 0)
        return pier_set_errno (error, errno, _("reading the symlink /%s"), path);
      target[n] = '\0';
      archive_entry_set_symlink (x->entry, target);
    }
  /* An image's device nodes (a root filesystem's /dev), as docker export keeps them. */
  if (S_ISCHR (st.st_mode) || S_ISBLK (st.st_mode))
    archive_entry_set_rdev (x->entry, st.st_rdev);
  /* File capabilities and the like, as the layers keep them. */
  if (fd >= 0 && !pier_tar_entry_add_xattrs (x->entry, fd, path, error))
    return FALSE;
  if (S_ISREG (st.st_mode))
    {
      archive_entry_set_size (x->entry, st.st_size);
      /* A sparse file goes as one (its holes not written), not as its full length of zeros. */
      if (!pier_tar_entry_set_sparse (x->entry, fd, st.st_size, path, error))
        return FALSE;
    }
  if (archive_write_header (x->ar, x->entry) < ARCHIVE_WARN)
    return export_failed (x, path, error);
  if (S_ISREG (st.st_mode))
    return pier_tar_write_file_data (x->ar, x->entry, fd, st.st_size, x->buffer, EXPORT_BLOCK,
                                     path, error)
           || pier_tar_take_write_error (&x->write_error, error);
  return TRUE;
}

gboolean
pier_container_export (PierStore *store, const PierContainer *container, PierWriteFunc write,
                       gpointer write_data, GCancellable *cancellable, GError **error)
{
  g_auto (GStrv) lowers = lower_dirs_of (store, container);
  g_autoptr (GPtrArray) dirs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (PierMergedTree) tree = NULL;
  Exporter x = { NULL, NULL, write, write_data, NULL,
                 container->rootless ? 0 : container->uid_base, NULL, NULL };
  gboolean ok;

  g_ptr_array_add (dirs, pier_container_get_upper_dir (store, container));
  for (char **l = lowers; *l; l++)
    g_ptr_array_add (dirs, g_strdup (*l));
  g_ptr_array_add (dirs, NULL);
  tree = pier_merged_tree_new ((const char *const *) dirs->pdata, container->rootless, error);
  if (tree == NULL)
    return FALSE;
  x.ar = archive_write_new ();
  x.entry = archive_entry_new ();
  x.links = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  x.buffer = g_malloc (EXPORT_BLOCK);
  /* Extended attributes in the SCHILY form, as Docker writes and GNU tar reads them. */
  ok = archive_write_set_format_pax_restricted (x.ar) == ARCHIVE_OK
       && archive_write_set_format_option (x.ar, "pax", "xattrheader", "SCHILY") == ARCHIVE_OK
       && archive_write_open (x.ar, &x, NULL, export_write, NULL) == ARCHIVE_OK;
  if (!ok)
    export_failed (&x, "", error);
  else
    ok = pier_merged_tree_walk (tree, "", FALSE, export_visit, &x, cancellable, error)
         && (archive_write_close (x.ar) == ARCHIVE_OK || export_failed (&x, "", error));
  archive_write_free (x.ar);
  archive_entry_free (x.entry);
  g_hash_table_unref (x.links);
  g_free (x.buffer);
  g_clear_error (&x.write_error);
  return ok;
}

