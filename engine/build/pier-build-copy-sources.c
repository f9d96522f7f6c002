/* SPDX-License-Identifier: GPL-3.0-or-later */
/* COPY and ADD's sources, planned item by item: the build context (what .dockerignore and
 * --exclude leave of it, wildcards matched as Docker does) and --from's tree (an earlier stage
 * or an image, read as a merged tree). */
#include "pier-build-copy-private.h"

#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void
pier_copy_item_free (PierCopyItem *item)
{
  g_free (item->dest);
  g_free (item->src);
  g_free (item->target);
  g_free (item->digest);
  g_clear_pointer (&item->data, g_bytes_unref);
  g_free (item);
}

char *
pier_copy_join (const char *a, const char *b)
{
  if (*a == '\0')
    return g_strdup (b);
  if (*b == '\0')
    return g_strdup (a);
  return g_strconcat (a, "/", b, NULL);
}

gboolean
pier_copy_has_wildcards (const char *s)
{
  for (const char *p = s; *p; p++)
    {
      if (*p == '\\' && p[1] != '\0')
        p++;
      else if (*p == '*' || *p == '?' || *p == '[')
        return TRUE;
    }
  return FALSE;
}

static void
item_set_owner_mode (PierCopyPlanner *pl, PierCopyItem *item, const struct stat *st)
{
  item->mode = st->st_mode & 07777;
  if (pl->chmod_set)
    item->mode = pl->chmod;
  item->uid = pl->plan->chown ? pl->plan->uid : 0;
  item->gid = pl->plan->chown ? pl->plan->gid : 0;
  item->mtime_sec = st->st_mtim.tv_sec;
  item->mtime_nsec = 0;
}

/* An item for the entry @name of @dirfd (stat @st), found at @src under root @root. */
static gboolean
add_entry (PierCopyPlanner *pl, guint root, int dirfd, const char *name, const char *src,
           const struct stat *st, const char *dest, GError **error)
{
  g_autoptr (GError) local = NULL;
  PierCopyItem *item = g_new0 (PierCopyItem, 1);

  item->root = root;
  item->src = g_strdup (src);
  item->dest = g_strdup (dest);
  item_set_owner_mode (pl, item, st);
  if (S_ISDIR (st->st_mode))
    item->type = PIER_COPY_ITEM_DIR;
  else if (S_ISREG (st->st_mode))
    {
      item->type = PIER_COPY_ITEM_FILE;
      item->size = st->st_size;
      item->digest = pier_file_hashes_get (pl->build->hashes, dirfd, name, st, &local);
    }
  else if (S_ISLNK (st->st_mode))
    {
      char target[4096];
      ssize_t n = readlinkat (dirfd, name, target, sizeof target - 1);
      item->type = PIER_COPY_ITEM_SYMLINK;
      item->mode = 0777;
      if (n < 0)
        pier_set_errno (&local, errno, _("reading the symlink %s"), src);
      else
        {
          target[n] = '\0';
          item->target = g_strdup (target);
        }
    }
  else
    {
      /* Sockets, fifos and devices of a context are not build material. */
      pier_copy_item_free (item);
      return TRUE;
    }
  if (local != NULL)
    {
      pier_copy_item_free (item);
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  g_ptr_array_add (pl->plan->items, item);
  return TRUE;
}

static gboolean
excluded_by_flag (PierCopyPlanner *pl, const char *relative)
{
  return pl->exclude != NULL && *relative != '\0' && pier_dockerignore_matches (pl->exclude, relative);
}

/* The content of the context directory @dirfd (at @src), into @dest. */
static gboolean
walk_context (PierCopyPlanner *pl, int dirfd, const char *src, const char *dest, GError **error)
{
  PierDockerignore *ignore = pl->build->ignore;
  g_autoptr (GPtrArray) names = pier_fs_list_sorted_at (dirfd, error);

  if (names == NULL)
    {
      g_prefix_error (error, _("in the build context: "));
      return FALSE;
    }
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = names->pdata[i];
      g_autofree char *path = pier_copy_join (src, name);
      g_autofree char *to = pier_copy_join (dest, name);
      g_autofree char *relative = g_strdup (to + strlen (pl->dest_top) + (*pl->dest_top ? 1 : 0));
      gboolean ignored = ignore != NULL && pier_dockerignore_matches (ignore, path);
      struct stat st;

      if (fstatat (dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return pier_set_errno (error, errno, "%s", path);
      if (excluded_by_flag (pl, relative))
        continue;
      if (ignored && !(S_ISDIR (st.st_mode) && pier_dockerignore_has_exclusions (ignore)))
        continue;
      if (S_ISDIR (st.st_mode))
        {
          pier_autofd int fd = openat (dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          guint at = pl->plan->items->len;
          if (fd < 0)
            return pier_set_errno (error, errno, _("opening %s in the build context"), path);
          if (!walk_context (pl, fd, path, to, error))
            return FALSE;
          /* An ignored directory comes along only for what "!" patterns bring back in it. */
          if (ignored && pl->plan->items->len == at)
            continue;
          if (!add_entry (pl, 0, dirfd, name, path, &st, to, error))
            return FALSE;
          /* It goes before its content. */
          {
            PierCopyItem *dir_item = g_ptr_array_steal_index (pl->plan->items,
                                                             pl->plan->items->len - 1);
            g_ptr_array_insert (pl->plan->items, at, dir_item);
          }
          continue;
        }
      if (!add_entry (pl, 0, dirfd, name, path, &st, to, error))
        return FALSE;
    }
  return TRUE;
}

/* A context path as the builder may read it: resolved inside the context, physical (so that
 * reading it again later follows no symlink), not ignored. */
static char *
context_physical (PierCopyPlanner *pl, const char *src, struct stat *st, GError **error)
{
  PierBuild *build = pl->build;
  pier_autofd int fd = pier_fs_open_in_root (build->context_fd, src, O_PATH, 0);
  g_autofree char *proc = NULL;
  g_autofree char *real = NULL;
  g_autofree char *context_proc = NULL;
  g_autofree char *context = NULL;
  const char *relative;

  if (fd < 0 || fstat (fd, st) < 0
      || (build->ignore != NULL && *src != '\0' && pier_dockerignore_matches (build->ignore, src)
          && !(S_ISDIR (st->st_mode) && pier_dockerignore_has_exclusions (build->ignore))))
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_NOT_FOUND,
                   _("“%s”: no such file or directory in the build context (or excluded by "
                     ".dockerignore)"), *src ? src : ".");
      return NULL;
    }
  proc = g_strdup_printf ("/proc/self/fd/%d", fd);
  real = g_file_read_link (proc, error);
  context_proc = g_strdup_printf ("/proc/self/fd/%d", build->context_fd);
  context = g_file_read_link (context_proc, error);
  if (real == NULL || context == NULL)
    return NULL;
  if (strcmp (real, context) == 0)
    return g_strdup ("");
  relative = real + strlen (context);
  if (!g_str_has_prefix (real, context) || (*relative != '/' && strcmp (context, "/") != 0))
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_UNSAFE, _("“%s” leads outside the build context"),
                   src);
      return NULL;
    }
  return g_strdup (relative + (*relative == '/' ? 1 : 0));
}

typedef enum {
  ARCHIVE_NONE,
  ARCHIVE_TAR,
  ARCHIVE_OTHER,
} ArchiveKind;

static ArchiveKind
archive_kind (int fd)
{
  guint8 head[512];
  ssize_t n = pread (fd, head, sizeof head, 0);

  if (n >= 2 && head[0] == 0x1f && head[1] == 0x8b)
    return ARCHIVE_TAR;
  if (n == (ssize_t) sizeof head && memcmp (head + 257, "ustar", 5) == 0)
    return ARCHIVE_TAR;
  if ((n >= 3 && memcmp (head, "BZh", 3) == 0) || (n >= 6 && memcmp (head, "\xfd" "7zXZ", 6) == 0)
      || (n >= 4 && memcmp (head, "\x28\xb5\x2f\xfd", 4) == 0))
    return ARCHIVE_OTHER;
  return ARCHIVE_NONE;
}

/* One source of the context (wildcards already expanded): a file to @dest_file when given,
 * else into @dest_dir. */
gboolean
pier_copy_plan_context_source (PierCopyPlanner *pl, const char *src, const char *dest_dir,
                               const char *dest_file, GError **error)
{
  struct stat st;
  g_autofree char *physical = context_physical (pl, src, &st, error);
  g_autofree char *base = NULL;
  g_autofree char *dest = NULL;
  pier_autofd int dirfd = -1;

  if (physical == NULL)
    return FALSE;
  if (S_ISDIR (st.st_mode))
    {
      pier_autofd int fd = pier_fs_open_in_root (pl->build->context_fd, physical,
                                                 O_RDONLY | O_DIRECTORY, RESOLVE_NO_SYMLINKS);
      if (fd < 0)
        return pier_set_errno (error, errno, _("opening %s in the build context"), src);
      pl->dest_top = dest_dir;
      return walk_context (pl, fd, physical, dest_dir, error);
    }
  /* Named as the source was written, even through a symlink. */
  base = g_path_get_basename (src);
  {
    g_autofree char *parent = g_path_get_dirname (physical);
    dirfd = pier_fs_open_in_root (pl->build->context_fd,
                                  strcmp (parent, ".") == 0 ? "" : parent,
                                  O_RDONLY | O_DIRECTORY, RESOLVE_NO_SYMLINKS);
    if (dirfd < 0)
      return pier_set_errno (error, errno, _("opening %s in the build context"), src);
  }
  if (excluded_by_flag (pl, base))
    return TRUE;
  if (strcmp (pl->keyword, "add") == 0 && S_ISREG (st.st_mode))
    {
      pier_autofd int fd = pier_fs_open_regular_in_root (dirfd, base, RESOLVE_NO_SYMLINKS,
                                                         G_MAXSIZE, NULL, NULL);
      ArchiveKind kind = fd >= 0 ? archive_kind (fd) : ARCHIVE_NONE;
      if (kind == ARCHIVE_OTHER)
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_UNSUPPORTED,
                       _("“%s” is a bzip2, xz or zstd archive: ADD extracts plain and gzip tar "
                         "archives only"), src);
          return FALSE;
        }
      if (kind == ARCHIVE_TAR)
        {
          if (!add_entry (pl, 0, dirfd, base, physical, &st, dest_dir, error))
            return FALSE;
          ((PierCopyItem *) g_ptr_array_index (pl->plan->items, pl->plan->items->len - 1))->type =
              PIER_COPY_ITEM_ARCHIVE;
          return TRUE;
        }
    }
  dest = dest_file != NULL ? g_strdup (dest_file) : pier_copy_join (dest_dir, base);
  return add_entry (pl, 0, dirfd, base, physical, &st, dest, error);
}

/* Wildcards, matched a component at a time as Go's filepath.Match does ("*" never crosses
 * "/"); ignored entries never match. */
gboolean
pier_copy_expand_context_wildcards (PierCopyPlanner *pl, const char *pattern, GPtrArray *out,
                                    GError **error)
{
  g_auto (GStrv) parts = g_strsplit (pattern, "/", -1);
  g_autoptr (GPtrArray) current = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (current, g_strdup (""));
  for (char **part = parts; *part; part++)
    {
      g_autoptr (GPtrArray) next = g_ptr_array_new_with_free_func (g_free);
      if (**part == '\0')
        continue;
      for (guint i = 0; i < current->len; i++)
        {
          const char *dir = current->pdata[i];
          g_autoptr (GPtrArray) names = NULL;
          pier_autofd int fd = -1;

          if (!pier_copy_has_wildcards (*part))
            {
              g_ptr_array_add (next, pier_copy_join (dir, *part));
              continue;
            }
          fd = pier_fs_open_in_root (pl->build->context_fd, dir, O_RDONLY | O_DIRECTORY, 0);
          if (fd < 0)
            continue;
          names = pier_fs_list_sorted_at (fd, error);
          if (names == NULL)
            {
              g_prefix_error (error, _("in the build context: "));
              return FALSE;
            }
          for (guint n = 0; n < names->len; n++)
            {
              g_autofree char *path = pier_copy_join (dir, names->pdata[n]);
              if (fnmatch (*part, names->pdata[n], FNM_PATHNAME) == 0
                  && (pl->build->ignore == NULL || !pier_dockerignore_matches (pl->build->ignore, path)))
                g_ptr_array_add (next, g_steal_pointer (&path));
            }
        }
      g_ptr_array_unref (current);
      current = g_steal_pointer (&next);
    }
  for (guint i = 0; i < current->len; i++)
    {
      struct stat st;
      pier_autofd int fd = pier_fs_open_in_root (pl->build->context_fd, current->pdata[i],
                                                 O_PATH, 0);
      if (fd >= 0 && fstat (fd, &st) == 0)
        g_ptr_array_add (out, g_strdup (current->pdata[i]));
    }
  return TRUE;
}

/* ---- --from sources ---- */

typedef struct {
  PierCopyPlanner *pl;
  const char *top;     /* resolved path of the source in the tree */
  const char *dest;    /* where its content goes */
  const char *dest_file;
  guint root_base;     /* plan->roots index of the tree's top layer */
} FromWalk;

static gboolean
visit_from (const char *path, const PierMergedEntry *entry, gpointer user_data, GError **error)
{
  FromWalk *fw = user_data;
  const char *relative = path + strlen (fw->top);
  g_autofree char *dest = NULL;

  if (*relative == '/')
    relative++;
  if (strcmp (path, fw->top) == 0)
    {
      if (S_ISDIR (entry->st.st_mode))
        return TRUE;
      {
        g_autofree char *base = g_path_get_basename (*path ? path : "/");
        if (excluded_by_flag (fw->pl, base))
          return TRUE;
        dest = fw->dest_file ? g_strdup (fw->dest_file) : pier_copy_join (fw->dest, base);
      }
    }
  else
    {
      if (excluded_by_flag (fw->pl, relative))
        return TRUE;
      dest = pier_copy_join (fw->dest, relative);
    }
  return add_entry (fw->pl, fw->root_base + entry->layer, entry->dir_fd, entry->name, path,
                    &entry->st, dest, error);
}

gboolean
pier_copy_plan_from_source (PierCopyPlanner *pl, const char *src, const char *dest_dir,
                            const char *dest_file, GError **error)
{
  PierCopyPlan *plan = pl->plan;
  PierMergedEntry entry;
  FromWalk fw = { pl, NULL, dest_dir, dest_file, 1 };
  gboolean ok;

  if (!pier_merged_tree_lookup (plan->from_tree, src, TRUE, &entry, error))
    return FALSE;
  fw.top = entry.path;
  ok = pier_merged_tree_walk (plan->from_tree, entry.path, FALSE, visit_from, &fw,
                              pl->build->cancellable, error);
  pier_merged_entry_clear (&entry);
  return ok;
}

gboolean
pier_copy_expand_from_wildcards (PierCopyPlanner *pl, const char *pattern, GPtrArray *out,
                                 GError **error)
{
  g_autofree char *dir = g_path_get_dirname (pattern);
  g_autofree char *base = g_path_get_basename (pattern);
  g_autoptr (GPtrArray) names = NULL;

  if (pier_copy_has_wildcards (dir))
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_UNSUPPORTED,
                   _("“%s”: with --from, wildcards are supported in the last component only"),
                   pattern);
      return FALSE;
    }
  names = pier_merged_tree_list (pl->plan->from_tree, strcmp (dir, ".") == 0 ? "" : dir, NULL);
  for (guint i = 0; names && i < names->len; i++)
    if (fnmatch (base, names->pdata[i], FNM_PATHNAME) == 0)
      g_ptr_array_add (out, strcmp (dir, ".") == 0 ? g_strdup (names->pdata[i])
                                                   : pier_copy_join (dir, names->pdata[i]));
  return TRUE;
}

/* The layers of --from: an earlier stage, or an image of the store. */
gboolean
pier_copy_open_from (PierBuild *build, PierBuildStage *stage, const char *from,
                     PierCopyPlan *plan, GError **error)
{
  const PierDockerfileStage *named = pier_dockerfile_find_stage (build->df, from);
  g_auto (GStrv) dirs = NULL;

  if (named != NULL)
    {
      if (named->index >= stage->index)
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                       _("--from=%s names this stage or a later one: only earlier stages can be "
                         "copied from"), from);
          return FALSE;
        }
      dirs = pier_build_stage_lower_dirs (build->stages->pdata[named->index]);
    }
  else
    {
      g_autoptr (PierImage) image = pier_store_find_image (build->store, from, error);
      GStrvBuilder *b;
      if (image == NULL)
        {
          g_prefix_error (error, _("--from=%s is neither an earlier stage nor an image: "), from);
          return FALSE;
        }
      b = g_strv_builder_new ();
      for (guint i = image->manifest->layers->len; i > 0; i--)
        {
          char *path = pier_store_ensure_layer (
              build->store, ((PierDescriptor *) image->manifest->layers->pdata[i - 1])->digest,
              image->config->diff_ids->pdata[i - 1], build->cancellable, error);
          if (path == NULL)
            {
              g_strv_builder_unref (b);
              return FALSE;
            }
          g_strv_builder_add (b, path);
          g_free (path);
        }
      dirs = g_strv_builder_end (b);
      g_strv_builder_unref (b);
    }
  plan->from_tree = pier_merged_tree_new ((const char *const *) dirs,
                                          pier_store_is_rootless (build->store), error);
  if (plan->from_tree == NULL)
    return FALSE;
  for (char **d = dirs; *d; d++)
    {
      int fd = pier_fs_open_dir_at (AT_FDCWD, *d, error);
      if (fd < 0)
        return FALSE;
      g_array_append_val (plan->roots, fd);
      g_ptr_array_add (plan->root_dirs, g_strdup (*d));
    }
  return TRUE;
}

/* Does the single source @src fill the destination as a directory: a directory, or for ADD
 * an archive to extract? */
gboolean
pier_copy_source_fills_dir (PierCopyPlanner *pl, const char *src, gboolean *fills,
                            GError **error)
{
  struct stat st;

  if (pl->plan->from_tree != NULL)
    {
      PierMergedEntry entry;
      if (!pier_merged_tree_lookup (pl->plan->from_tree, src, TRUE, &entry, error))
        return FALSE;
      *fills = S_ISDIR (entry.st.st_mode);
      pier_merged_entry_clear (&entry);
      return TRUE;
    }
  {
    g_autofree char *physical = context_physical (pl, src, &st, error);
    if (physical == NULL)
      return FALSE;
    *fills = S_ISDIR (st.st_mode);
    if (!*fills && S_ISREG (st.st_mode) && strcmp (pl->keyword, "add") == 0)
      {
        pier_autofd int fd = pier_fs_open_regular_in_root (pl->build->context_fd, physical,
                                                           RESOLVE_NO_SYMLINKS, G_MAXSIZE, NULL,
                                                           NULL);
        *fills = fd >= 0 && archive_kind (fd) == ARCHIVE_TAR;
      }
  }
  return TRUE;
}
