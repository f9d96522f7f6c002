/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-merged-tree.h"

#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

/* Linux's own limit on symlinks followed in one lookup. */
#define MAX_LINKS 40

struct _PierMergedTree {
  GArray *roots; /* int: each layer's root directory, top first */
  const char *opaque_xattr;
};

/* One directory of the merged view: that directory in each layer that contributes to it, top
 * first; it stops at an opaque one, a whiteout or a non-directory. */
typedef struct {
  guint layer;
  int fd;
} Part;

typedef GArray MergedDir;

static void
merged_dir_free (MergedDir *dir)
{
  for (guint i = 0; i < dir->len; i++)
    close (g_array_index (dir, Part, i).fd);
  g_array_unref (dir);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MergedDir, merged_dir_free)

static MergedDir *
merged_dir_new (void)
{
  return g_array_new (FALSE, FALSE, sizeof (Part));
}

gboolean
pier_merged_is_whiteout (const struct stat *st)
{
  return S_ISCHR (st->st_mode) && st->st_rdev == makedev (0, 0);
}

static gboolean
is_opaque (PierMergedTree *tree, int fd)
{
  char value[2];

  return fgetxattr (fd, tree->opaque_xattr, value, sizeof value) == 1 && value[0] == 'y';
}

void
pier_merged_tree_free (PierMergedTree *tree)
{
  if (tree == NULL)
    return;
  for (guint i = 0; i < tree->roots->len; i++)
    close (g_array_index (tree->roots, int, i));
  g_array_unref (tree->roots);
  g_free (tree);
}

PierMergedTree *
pier_merged_tree_new (const char *const *layer_dirs, gboolean userxattr, GError **error)
{
  g_autoptr (PierMergedTree) tree = g_new0 (PierMergedTree, 1);

  tree->roots = g_array_new (FALSE, FALSE, sizeof (int));
  tree->opaque_xattr = userxattr ? "user.overlay.opaque" : "trusted.overlay.opaque";
  for (const char *const *dir = layer_dirs; dir && *dir; dir++)
    {
      int fd = pier_fs_open_dir_at (AT_FDCWD, *dir, error);
      if (fd < 0)
        return NULL;
      g_array_append_val (tree->roots, fd);
    }
  return g_steal_pointer (&tree);
}

void
pier_merged_entry_clear (PierMergedEntry *entry)
{
  if (entry->owns_fd && entry->dir_fd >= 0)
    close (entry->dir_fd);
  g_clear_pointer (&entry->path, g_free);
  g_clear_pointer (&entry->name, g_free);
  entry->dir_fd = -1;
  entry->owns_fd = FALSE;
}

static MergedDir *
root_dir (PierMergedTree *tree, GError **error)
{
  g_autoptr (MergedDir) dir = merged_dir_new ();

  for (guint i = 0; i < tree->roots->len; i++)
    {
      Part part = { i, dup (g_array_index (tree->roots, int, i)) };
      if (part.fd < 0)
        {
          pier_set_errno (error, errno, _("opening a layer"));
          return NULL;
        }
      g_array_append_val (dir, part);
      if (is_opaque (tree, part.fd))
        break;
    }
  return g_steal_pointer (&dir);
}

/* The top-most entry named @name in @dir: FALSE when absent or whited out. */
static gboolean
find_child (MergedDir *dir, const char *name, guint *part_index, struct stat *st)
{
  for (guint i = 0; i < dir->len; i++)
    {
      if (fstatat (g_array_index (dir, Part, i).fd, name, st, AT_SYMLINK_NOFOLLOW) < 0)
        continue;
      if (pier_merged_is_whiteout (st))
        return FALSE;
      *part_index = i;
      return TRUE;
    }
  return FALSE;
}

/* The merged directory @name of @dir, whose top-most entry is in part @from. */
static MergedDir *
child_dir (PierMergedTree *tree, MergedDir *dir, guint from, const char *name, GError **error)
{
  g_autoptr (MergedDir) child = merged_dir_new ();

  for (guint i = from; i < dir->len; i++)
    {
      Part *parent = &g_array_index (dir, Part, i);
      struct stat st;
      Part part = { parent->layer, -1 };

      if (fstatat (parent->fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        continue;
      if (!S_ISDIR (st.st_mode))
        break;
      part.fd = openat (parent->fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (part.fd < 0)
        {
          pier_set_errno (error, errno, _("opening the directory %s"), name);
          return NULL;
        }
      g_array_append_val (child, part);
      if (is_opaque (tree, part.fd))
        break;
    }
  return g_steal_pointer (&child);
}

/* Pending components are a stack: the next one last. */
static void
push_components (GPtrArray *stack, const char *path)
{
  g_auto (GStrv) parts = g_strsplit (path, "/", -1);

  for (guint i = g_strv_length (parts); i > 0; i--)
    if (*parts[i - 1] != '\0' && strcmp (parts[i - 1], ".") != 0)
      g_ptr_array_add (stack, g_strdup (parts[i - 1]));
}

static char *
join_names (GPtrArray *names, const char *last)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < names->len; i++)
    {
      if (out->len > 0)
        g_string_append_c (out, '/');
      g_string_append (out, names->pdata[i]);
    }
  if (last != NULL)
    {
      if (out->len > 0)
        g_string_append_c (out, '/');
      g_string_append (out, last);
    }
  return g_string_free (out, FALSE);
}

typedef enum {
  LOOKUP_FOUND,
  LOOKUP_MISSING, /* a component is absent: *rest_out holds it and what follows */
  LOOKUP_FAILED,
} LookupResult;

/* The walk behind lookup and resolve. On LOOKUP_MISSING, *@resolved_out is the resolved part
 * that exists and *@rest_out what is missing from there on. */
static LookupResult
lookup (PierMergedTree *tree, const char *path, gboolean follow, PierMergedEntry *entry,
        char **resolved_out, char **rest_out, GError **error)
{
  g_autoptr (GPtrArray) pending = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) dirs = g_ptr_array_new_with_free_func ((GDestroyNotify) merged_dir_free);
  MergedDir *root = root_dir (tree, error);
  guint links = 0;

  if (root == NULL)
    return LOOKUP_FAILED;
  g_ptr_array_add (dirs, root);
  push_components (pending, path);

  while (pending->len > 0)
    {
      g_autofree char *name = g_ptr_array_steal_index (pending, pending->len - 1);
      MergedDir *dir = g_ptr_array_index (dirs, dirs->len - 1);
      gboolean last = pending->len == 0;
      struct stat st;
      guint part;

      if (strcmp (name, "..") == 0)
        {
          if (dirs->len > 1)
            {
              g_ptr_array_remove_index (dirs, dirs->len - 1);
              g_ptr_array_remove_index (names, names->len - 1);
            }
          continue;
        }
      if (!find_child (dir, name, &part, &st))
        {
          if (resolved_out != NULL)
            {
              GString *rest = g_string_new (name);
              for (guint i = pending->len; i > 0; i--)
                g_string_append_printf (rest, "/%s", (char *) pending->pdata[i - 1]);
              *resolved_out = join_names (names, NULL);
              *rest_out = g_string_free (rest, FALSE);
            }
          return LOOKUP_MISSING;
        }
      if (S_ISLNK (st.st_mode) && (!last || follow))
        {
          char target[4096];
          ssize_t n = readlinkat (g_array_index (dir, Part, part).fd, name, target,
                                  sizeof target - 1);
          if (n < 0)
            {
              pier_set_errno (error, errno, _("reading the symlink %s"), name);
              return LOOKUP_FAILED;
            }
          target[n] = '\0';
          if (++links > MAX_LINKS)
            {
              g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                           _("%s: too many levels of symbolic links"), path);
              return LOOKUP_FAILED;
            }
          if (target[0] == '/')
            {
              g_ptr_array_set_size (dirs, 1);
              g_ptr_array_set_size (names, 0);
            }
          push_components (pending, target);
          continue;
        }
      if (last)
        {
          Part *p = &g_array_index (dir, Part, part);
          entry->path = join_names (names, name);
          entry->layer = p->layer;
          entry->st = st;
          entry->dir_fd = dup (p->fd);
          entry->owns_fd = TRUE;
          entry->name = g_strdup (name);
          if (entry->dir_fd < 0)
            {
              pier_set_errno (error, errno, "%s", path);
              pier_merged_entry_clear (entry);
              return LOOKUP_FAILED;
            }
          return LOOKUP_FOUND;
        }
      if (!S_ISDIR (st.st_mode))
        {
          g_autofree char *so_far = join_names (names, name);
          g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, _("/%s: not a directory"), so_far);
          return LOOKUP_FAILED;
        }
      {
        MergedDir *child = child_dir (tree, dir, part, name, error);
        if (child == NULL)
          return LOOKUP_FAILED;
        g_ptr_array_add (dirs, child);
        g_ptr_array_add (names, g_steal_pointer (&name));
      }
    }

  /* The root itself, or a path that climbed back to a directory: that directory. */
  {
    MergedDir *dir = g_ptr_array_index (dirs, dirs->len - 1);
    entry->path = join_names (names, NULL);
    entry->name = g_strdup (".");
    if (dir->len == 0)
      {
        /* Only the root of a stack of no layers (FROM scratch) has no part: an empty
         * directory, as a container made from it would see. */
        memset (&entry->st, 0, sizeof entry->st);
        entry->st.st_mode = S_IFDIR | 0755;
        entry->st.st_nlink = 2;
        return LOOKUP_FOUND;
      }
    {
      Part *top = &g_array_index (dir, Part, 0);
      entry->layer = top->layer;
      entry->dir_fd = dup (top->fd);
      entry->owns_fd = TRUE;
      if (entry->dir_fd < 0 || fstat (entry->dir_fd, &entry->st) < 0)
        {
          pier_set_errno (error, errno, "%s", path);
          pier_merged_entry_clear (entry);
          return LOOKUP_FAILED;
        }
    }
    return LOOKUP_FOUND;
  }
}

gboolean
pier_merged_tree_lookup (PierMergedTree *tree, const char *path, gboolean follow,
                         PierMergedEntry *entry, GError **error)
{
  memset (entry, 0, sizeof *entry);
  entry->dir_fd = -1;
  switch (lookup (tree, path, follow, entry, NULL, NULL, error))
    {
    case LOOKUP_FOUND:
      return TRUE;
    case LOOKUP_MISSING:
      g_set_error (error, PIER_ERROR, PIER_ERROR_NOT_FOUND, _("%s: no such file or directory"),
                   path);
      return FALSE;
    case LOOKUP_FAILED:
    default:
      return FALSE;
    }
}

char *
pier_merged_tree_resolve (PierMergedTree *tree, const char *path, GError **error)
{
  PierMergedEntry entry = { .dir_fd = -1 };
  g_autofree char *resolved = NULL;
  g_autofree char *rest = NULL;
  char *out;

  switch (lookup (tree, path, TRUE, &entry, &resolved, &rest, error))
    {
    case LOOKUP_FOUND:
      out = g_steal_pointer (&entry.path);
      pier_merged_entry_clear (&entry);
      return out;
    case LOOKUP_MISSING:
      return *resolved != '\0' ? g_strconcat (resolved, "/", rest, NULL) : g_steal_pointer (&rest);
    case LOOKUP_FAILED:
    default:
      return NULL;
    }
}

/* ---- walking ---- */

typedef struct {
  char *name;
  guint part;
  struct stat st;
} Child;

static int
compare_children (gconstpointer a, gconstpointer b)
{
  return strcmp (((const Child *) a)->name, ((const Child *) b)->name);
}

static void
child_clear (gpointer data)
{
  g_free (((Child *) data)->name);
}

/* What @dir holds, merged: the top-most entry of each name, whiteouts and what they hide
 * left out, sorted. */
static GArray *
list_dir (MergedDir *dir, GError **error)
{
  g_autoptr (GArray) children = g_array_new (FALSE, FALSE, sizeof (Child));
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  g_array_set_clear_func (children, child_clear);
  for (guint i = 0; i < dir->len; i++)
    {
      DIR *d = pier_fs_opendir_at (g_array_index (dir, Part, i).fd);
      struct dirent *de;

      if (d == NULL)
        {
          pier_set_errno (error, errno, _("reading a directory"));
          return NULL;
        }
      while ((de = readdir (d)) != NULL)
        {
          Child child = { NULL, i };
          if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0
              || g_hash_table_contains (seen, de->d_name))
            continue;
          g_hash_table_add (seen, g_strdup (de->d_name));
          if (fstatat (dirfd (d), de->d_name, &child.st, AT_SYMLINK_NOFOLLOW) < 0)
            {
              pier_set_errno (error, errno, "%s", de->d_name);
              closedir (d);
              return NULL;
            }
          if (pier_merged_is_whiteout (&child.st))
            continue;
          child.name = g_strdup (de->d_name);
          g_array_append_val (children, child);
        }
      closedir (d);
    }
  g_array_sort (children, compare_children);
  return g_steal_pointer (&children);
}

typedef struct {
  PierMergedTree *tree;
  PierMergedVisitFunc visit;
  gpointer user_data;
  GCancellable *cancellable;
  GString *path;
} Walk;

static gboolean
walk_dir (Walk *w, MergedDir *dir, GError **error)
{
  g_autoptr (GArray) children = list_dir (dir, error);
  gsize base_len = w->path->len;

  if (children == NULL)
    return FALSE;
  for (guint i = 0; i < children->len; i++)
    {
      Child *c = &g_array_index (children, Child, i);
      Part *part = &g_array_index (dir, Part, c->part);
      PierMergedEntry entry = { NULL, part->layer, c->st, part->fd, c->name, FALSE };

      if (g_cancellable_set_error_if_cancelled (w->cancellable, error))
        return FALSE;
      g_string_truncate (w->path, base_len);
      if (base_len > 0)
        g_string_append_c (w->path, '/');
      g_string_append (w->path, c->name);
      entry.path = w->path->str;
      if (!w->visit (w->path->str, &entry, w->user_data, error))
        return FALSE;
      if (S_ISDIR (c->st.st_mode))
        {
          g_autoptr (MergedDir) child = child_dir (w->tree, dir, c->part, c->name, error);
          if (child == NULL || !walk_dir (w, child, error))
            return FALSE;
        }
    }
  g_string_truncate (w->path, base_len);
  return TRUE;
}

/* The merged parts of the directory at @resolved (a path lookup() returned). */
static MergedDir *
find_dir (PierMergedTree *tree, const char *resolved, GError **error)
{
  g_autoptr (MergedDir) dir = root_dir (tree, error);
  g_auto (GStrv) names = g_strsplit (resolved, "/", -1);

  for (char **n = names; dir != NULL && *n; n++)
    {
      struct stat st;
      guint part;
      MergedDir *child;

      if (**n == '\0')
        continue;
      if (!find_child (dir, *n, &part, &st))
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_NOT_FOUND, _("%s: changed while it was read"),
                       resolved);
          return NULL;
        }
      child = child_dir (tree, dir, part, *n, error);
      merged_dir_free (g_steal_pointer (&dir));
      dir = child;
    }
  return g_steal_pointer (&dir);
}

GPtrArray *
pier_merged_tree_list (PierMergedTree *tree, const char *path, GError **error)
{
  PierMergedEntry entry;
  g_autoptr (MergedDir) dir = NULL;
  g_autoptr (GArray) children = NULL;
  GPtrArray *names;

  if (!pier_merged_tree_lookup (tree, path, TRUE, &entry, error))
    return NULL;
  if (!S_ISDIR (entry.st.st_mode))
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, _("%s: not a directory"), path);
      pier_merged_entry_clear (&entry);
      return NULL;
    }
  dir = find_dir (tree, entry.path, error);
  pier_merged_entry_clear (&entry);
  if (dir == NULL || (children = list_dir (dir, error)) == NULL)
    return NULL;
  names = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < children->len; i++)
    g_ptr_array_add (names, g_strdup (g_array_index (children, Child, i).name));
  return names;
}

gboolean
pier_merged_tree_walk (PierMergedTree *tree, const char *path, gboolean follow,
                       PierMergedVisitFunc visit, gpointer user_data, GCancellable *cancellable,
                       GError **error)
{
  PierMergedEntry entry;
  Walk w = { tree, visit, user_data, cancellable, NULL };
  gboolean ok;

  if (!pier_merged_tree_lookup (tree, path, follow, &entry, error))
    return FALSE;
  ok = visit (entry.path, &entry, user_data, error);
  if (ok && S_ISDIR (entry.st.st_mode))
    {
      /* The directory's merged parts, found again from the root: the entry only knows the
       * top-most one. */
      g_autoptr (MergedDir) dir = find_dir (tree, entry.path, error);
      ok = dir != NULL;
      if (ok)
        {
          w.path = g_string_new (entry.path);
          ok = walk_dir (&w, dir, error);
          g_string_free (w.path, TRUE);
        }
    }
  pier_merged_entry_clear (&entry);
  return ok;
}
