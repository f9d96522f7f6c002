/* COPY, ADD and WORKDIR: layers the builder writes itself, from the build context (what
 * .dockerignore leaves of it), from heredocs, or from another stage or image read as a merged
 * tree. The layer is staged in the work directory exactly as it will be stored: files with
 * their modes and modification times, owned 0:0 unless --chown, the directories on the way
 * with the metadata the image already gives them, new ones with the stage's fixed time. */
#include "pier-build-private.h"

#include "pier-container-user.h"
#include "pier-digest.h"
#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"
#include "pier-layer-stream.h"
#include "pier-layer-unpack.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef enum {
  ITEM_DIR,
  ITEM_FILE,
  ITEM_SYMLINK,
  ITEM_DATA,    /* a heredoc */
  ITEM_ARCHIVE, /* ADD of a local tar: extracted into dest */
} ItemType;

typedef struct {
  ItemType type;
  char *dest;        /* relative to the layer's root */
  guint root;        /* index in plan->roots */
  char *src;         /* relative to that root, no symlinks on the way */
  mode_t mode;
  guint32 uid, gid;
  gint64 mtime_sec, mtime_nsec;
  guint64 size;
  char *target;      /* symlink */
  GBytes *data;      /* heredoc */
  char *digest;      /* content */
} Item;

struct _PierCopyPlan {
  GPtrArray *items;
  GArray *roots;          /* int fds: [0] the context, then the --from layers, top first */
  GPtrArray *root_dirs;   /* the --from layers' paths */
  char *dest_dir;         /* resolved, relative: created as a directory */
  gboolean dest_owned;    /* dest_dir is the destination itself (--chown's if new) */
  gboolean chown;
  guint32 uid, gid;
  char *created_by;
  PierMergedTree *from_tree;
};

static void
item_free (Item *item)
{
  g_free (item->dest);
  g_free (item->src);
  g_free (item->target);
  g_free (item->digest);
  g_clear_pointer (&item->data, g_bytes_unref);
  g_free (item);
}

void
pier_copy_plan_free (PierCopyPlan *plan)
{
  if (plan == NULL)
    return;
  g_ptr_array_unref (plan->items);
  for (guint i = 0; i < plan->roots->len; i++)
    close (g_array_index (plan->roots, int, i));
  g_array_unref (plan->roots);
  g_ptr_array_unref (plan->root_dirs);
  g_free (plan->dest_dir);
  g_free (plan->created_by);
  pier_merged_tree_free (plan->from_tree);
  g_free (plan);
}

const char *
pier_copy_plan_get_created_by (PierCopyPlan *plan)
{
  return plan->created_by;
}

/* Cleans a source path lexically; FALSE when ".." would leave the root. */
static gboolean
clean_path (const char *path, char **out)
{
  g_auto (GStrv) parts = g_strsplit (path, "/", -1);
  g_autoptr (GPtrArray) kept = g_ptr_array_new ();

  for (char **p = parts; *p; p++)
    {
      if (**p == '\0' || strcmp (*p, ".") == 0)
        continue;
      if (strcmp (*p, "..") == 0)
        {
          if (kept->len == 0)
            return FALSE;
          g_ptr_array_remove_index (kept, kept->len - 1);
          continue;
        }
      g_ptr_array_add (kept, *p);
    }
  g_ptr_array_add (kept, NULL);
  *out = g_strjoinv ("/", (char **) kept->pdata);
  return TRUE;
}

static char *
join (const char *a, const char *b)
{
  if (*a == '\0')
    return g_strdup (b);
  if (*b == '\0')
    return g_strdup (a);
  return g_strconcat (a, "/", b, NULL);
}

static gboolean
has_wildcards (const char *s)
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

/* ---- planning ---- */

typedef struct {
  PierBuild *build;
  PierCopyPlan *plan;
  PierDockerignore *exclude;  /* --exclude */
  gboolean chmod_set;
  mode_t chmod;
  const char *keyword;
  const char *dest_top;       /* where the directory being walked goes */
} Planner;

static void
item_set_owner_mode (Planner *pl, Item *item, const struct stat *st)
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
add_entry (Planner *pl, guint root, int dirfd, const char *name, const char *src,
           const struct stat *st, const char *dest, GError **error)
{
  g_autoptr (GError) local = NULL;
  Item *item = g_new0 (Item, 1);

  item->root = root;
  item->src = g_strdup (src);
  item->dest = g_strdup (dest);
  item_set_owner_mode (pl, item, st);
  if (S_ISDIR (st->st_mode))
    item->type = ITEM_DIR;
  else if (S_ISREG (st->st_mode))
    {
      item->type = ITEM_FILE;
      item->size = st->st_size;
      item->digest = pier_file_hashes_get (pl->build->hashes, dirfd, name, st, &local);
    }
  else if (S_ISLNK (st->st_mode))
    {
      char target[4096];
      ssize_t n = readlinkat (dirfd, name, target, sizeof target - 1);
      item->type = ITEM_SYMLINK;
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
      item_free (item);
      return TRUE;
    }
  if (local != NULL)
    {
      item_free (item);
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  g_ptr_array_add (pl->plan->items, item);
  return TRUE;
}

static gboolean
excluded_by_flag (Planner *pl, const char *relative)
{
  return pl->exclude != NULL && *relative != '\0' && pier_dockerignore_matches (pl->exclude, relative);
}

/* The content of the context directory @dirfd (at @src), into @dest. */
static gboolean
walk_context (Planner *pl, int dirfd, const char *src, const char *dest, GError **error)
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
      g_autofree char *path = join (src, name);
      g_autofree char *to = join (dest, name);
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
            Item *dir_item = g_ptr_array_steal_index (pl->plan->items, pl->plan->items->len - 1);
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
context_physical (Planner *pl, const char *src, struct stat *st, GError **error)
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
static gboolean
plan_context_source (Planner *pl, const char *src, const char *dest_dir, const char *dest_file,
                     GError **error)
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
          ((Item *) pl->plan->items->pdata[pl->plan->items->len - 1])->type = ITEM_ARCHIVE;
          return TRUE;
        }
    }
  dest = dest_file != NULL ? g_strdup (dest_file) : join (dest_dir, base);
  return add_entry (pl, 0, dirfd, base, physical, &st, dest, error);
}

/* Wildcards, matched a component at a time as Go's filepath.Match does ("*" never crosses
 * "/"); ignored entries never match. */
static gboolean
expand_context_wildcards (Planner *pl, const char *pattern, GPtrArray *out, GError **error)
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

          if (!has_wildcards (*part))
            {
              g_ptr_array_add (next, join (dir, *part));
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
              g_autofree char *path = join (dir, names->pdata[n]);
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
  Planner *pl;
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
        dest = fw->dest_file ? g_strdup (fw->dest_file) : join (fw->dest, base);
      }
    }
  else
    {
      if (excluded_by_flag (fw->pl, relative))
        return TRUE;
      dest = join (fw->dest, relative);
    }
  return add_entry (fw->pl, fw->root_base + entry->layer, entry->dir_fd, entry->name, path,
                    &entry->st, dest, error);
}

static gboolean
plan_from_source (Planner *pl, const char *src, const char *dest_dir, const char *dest_file,
                  GError **error)
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

static gboolean
expand_from_wildcards (Planner *pl, const char *pattern, GPtrArray *out, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (pattern);
  g_autofree char *base = g_path_get_basename (pattern);
  g_autoptr (GPtrArray) names = NULL;

  if (has_wildcards (dir))
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
                                                   : join (dir, names->pdata[i]));
  return TRUE;
}

/* The layers of --from: an earlier stage, or an image of the store. */
static gboolean
open_from (PierBuild *build, PierBuildStage *stage, const char *from, PierCopyPlan *plan,
           GError **error)
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

/* ---- owners and modes ---- */

static gboolean
parse_chown (PierBuildStage *stage, const char *spec, guint32 *uid, guint32 *gid,
             GError **error)
{
  g_auto (GStrv) lowers = pier_build_stage_lower_dirs (stage);
  g_autoptr (PierContainerUser) user = NULL;
  guint64 number;

  /* A bare number is uid and gid both, as Docker documents. */
  if (strchr (spec, ':') == NULL && g_ascii_string_to_unsigned (spec, 10, 0, G_MAXUINT32, &number, NULL))
    {
      *uid = *gid = number;
      return TRUE;
    }
  user = pier_container_user_resolve (spec, (const char *const *) lowers, error);
  if (user == NULL)
    {
      g_prefix_error (error, _("--chown=%s: "), spec);
      return FALSE;
    }
  *uid = user->uid;
  *gid = user->gid;
  return TRUE;
}

static gboolean
parse_chmod (const char *text, mode_t *mode, GError **error)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (text, 8, 0, 07777, &value, NULL))
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("--chmod=%s: give the mode in octal, such as 755 or 0644"), text);
      return FALSE;
    }
  *mode = value;
  return TRUE;
}

/* Does the single source @src fill the destination as a directory: a directory, or for ADD
 * an archive to extract? */
static gboolean
source_fills_dir (Planner *pl, const char *src, gboolean *fills, GError **error)
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

/* ---- the plan ---- */

static void
digest_items (PierCopyPlan *plan, PierHasher *hasher)
{
  for (guint i = 0; i < plan->items->len; i++)
    {
      Item *it = plan->items->pdata[i];
      g_autofree char *line = g_strdup_printf (
          "%d %s %o %u %u %" G_GINT64_FORMAT " %" G_GUINT64_FORMAT " %s %s", it->type, it->dest,
          it->mode, it->uid, it->gid, it->mtime_sec, it->size, it->target ? it->target : "-",
          it->digest ? it->digest : "-");
      pier_hasher_update (hasher, line, strlen (line) + 1);
    }
}

static gboolean
is_url (const char *src)
{
  return g_str_has_prefix (src, "http://") || g_str_has_prefix (src, "https://")
         || g_str_has_prefix (src, "git@") || g_str_has_prefix (src, "git://");
}

PierCopyPlan *
pier_build_copy_plan (PierBuild *build, PierBuildStage *stage, const PierInstruction *raw,
                      const PierInstruction *insn, GError **error)
{
  g_autoptr (PierCopyPlan) plan = g_new0 (PierCopyPlan, 1);
  g_autoptr (PierMergedTree) tree = NULL;
  g_autoptr (PierDockerignore) exclude = NULL;
  g_autoptr (GPtrArray) sources = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) heredocs = g_ptr_array_new ();
  g_autoptr (PierHasher) hasher = pier_hasher_new ();
  g_autoptr (GString) created_by = g_string_new ("/bin/sh -c #(nop) ");
  Planner pl = { build, plan, NULL, FALSE, 0, insn->keyword, "" };
  const char *from = pier_instruction_get_flag (insn, "from");
  const char *chown = pier_instruction_get_flag (insn, "chown");
  const char *chmod = pier_instruction_get_flag (insn, "chmod");
  const char *dest_arg;
  g_autofree char *dest_abs = NULL;
  g_autofree char *dest_file = NULL;
  g_autofree char *digest = NULL;
  gboolean dest_is_dir;
  guint n_heredoc = 0;
  int context_fd;

  plan->items = g_ptr_array_new_with_free_func ((GDestroyNotify) item_free);
  plan->roots = g_array_new (FALSE, FALSE, sizeof (int));
  plan->root_dirs = g_ptr_array_new_with_free_func (g_free);
  context_fd = dup (build->context_fd);
  g_array_append_val (plan->roots, context_fd);

  for (const char *const *f = (const char *const[]){ "parents", "checksum", "keep-git-dir", NULL }; *f; f++)
    if (pier_instruction_has_flag (insn, *f))
      {
        g_set_error (error, PIER_ERROR, PIER_ERROR_UNSUPPORTED, _("--%s is not supported"), *f);
        return NULL;
      }
  if (insn->n_args < 2)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, _("needs a source and a destination"));
      return NULL;
    }
  if (chown != NULL)
    {
      plan->chown = TRUE;
      if (!parse_chown (stage, chown, &plan->uid, &plan->gid, error))
        return NULL;
    }
  if (chmod != NULL && !parse_chmod (chmod, &pl.chmod, error))
    return NULL;
  pl.chmod_set = chmod != NULL;
  if (insn->n_flags > 0)
    {
      g_autoptr (GPtrArray) patterns = g_ptr_array_new ();
      for (guint i = 0; i < insn->n_flags; i++)
        if (strcmp (insn->flags[i].name, "exclude") == 0 && insn->flags[i].value != NULL)
          g_ptr_array_add (patterns, insn->flags[i].value);
      g_ptr_array_add (patterns, NULL);
      if (patterns->len > 1
          && (exclude = pier_dockerignore_new ((const char *const *) patterns->pdata, error)) == NULL)
        return NULL;
      pl.exclude = exclude;
    }
  if (from != NULL && !open_from (build, stage, from, plan, error))
    return NULL;

  /* Sources: heredocs by position, wildcards expanded, the rest as given. */
  for (guint i = 0; i + 1 < insn->n_args; i++)
    {
      if (i < raw->n_args && g_str_has_prefix (raw->args[i], "<<") && n_heredoc < insn->n_heredocs)
        {
          g_ptr_array_add (heredocs, &insn->heredocs[n_heredoc++]);
          continue;
        }
      if (is_url (insn->args[i]))
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_UNSUPPORTED,
                       _("%s of a URL (%s) is not supported: download it into the build context, "
                         "or with RUN"), strcmp (insn->keyword, "add") == 0 ? "ADD" : "COPY",
                       insn->args[i]);
          return NULL;
        }
      {
        g_autofree char *clean = NULL;
        if (!clean_path (insn->args[i], &clean))
          {
            g_set_error (error, PIER_ERROR, PIER_ERROR_UNSAFE,
                         _("“%s” is outside the build context"), insn->args[i]);
            return NULL;
          }
        if (has_wildcards (clean))
          {
            guint before = sources->len;
            if (!(from ? expand_from_wildcards (&pl, clean, sources, error)
                       : expand_context_wildcards (&pl, clean, sources, error)))
              return NULL;
            if (sources->len == before)
              {
                g_set_error (error, PIER_ERROR, PIER_ERROR_NOT_FOUND,
                             _("no source files match “%s”"), insn->args[i]);
                return NULL;
              }
          }
        else
          g_ptr_array_add (sources, g_steal_pointer (&clean));
      }
    }

  /* The destination, relative to WORKDIR, resolved in the stage's tree. */
  dest_arg = insn->args[insn->n_args - 1];
  dest_abs = g_canonicalize_filename (dest_arg, stage->config->config.working_dir
                                                    && *stage->config->config.working_dir
                                                    ? stage->config->config.working_dir : "/");
  dest_is_dir = g_str_has_suffix (dest_arg, "/") || g_str_has_suffix (dest_arg, "/.")
                || strcmp (dest_arg, ".") == 0;
  if (sources->len + heredocs->len > 1 && !dest_is_dir)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("with more than one source, the destination must be a directory ending in "
                     "/ (“%s”)"), dest_arg);
      return NULL;
    }
  tree = pier_build_stage_tree (build, stage, error);
  if (tree == NULL)
    return NULL;
  if (!dest_is_dir)
    {
      PierMergedEntry entry;
      if (pier_merged_tree_lookup (tree, dest_abs, TRUE, &entry, NULL))
        {
          dest_is_dir = S_ISDIR (entry.st.st_mode);
          pier_merged_entry_clear (&entry);
        }
    }
  if (!dest_is_dir && sources->len == 1)
    {
      gboolean fills;
      if (!source_fills_dir (&pl, sources->pdata[0], &fills, error))
        return NULL;
      dest_is_dir = fills;
    }
  if (dest_is_dir)
    {
      plan->dest_dir = pier_merged_tree_resolve (tree, dest_abs, error);
      plan->dest_owned = TRUE;
    }
  else
    {
      g_autofree char *parent = g_path_get_dirname (dest_abs);
      g_autofree char *base = g_path_get_basename (dest_abs);
      plan->dest_dir = pier_merged_tree_resolve (tree, parent, error);
      if (plan->dest_dir != NULL)
        dest_file = join (plan->dest_dir, base);
    }
  if (plan->dest_dir == NULL)
    return NULL;
  for (guint i = 0; i < sources->len; i++)
    if (!(from ? plan_from_source (&pl, sources->pdata[i], plan->dest_dir, dest_file, error)
               : plan_context_source (&pl, sources->pdata[i], plan->dest_dir, dest_file, error)))
      return NULL;
  for (guint i = 0; i < heredocs->len; i++)
    {
      Item *item = g_new0 (Item, 1);
      PierHeredoc *doc = heredocs->pdata[i];
      item->type = ITEM_DATA;
      item->dest = dest_file ? g_strdup (dest_file) : join (plan->dest_dir, doc->name);
      item->size = strlen (doc->content);
      item->data = g_bytes_new (doc->content, item->size);
      item->mode = pl.chmod_set ? pl.chmod : 0644;
      item->uid = plan->chown ? plan->uid : 0;
      item->gid = plan->chown ? plan->gid : 0;
      item->mtime_sec = stage->base_time;
      item->digest = pier_digest_data (doc->content, item->size);
      g_ptr_array_add (plan->items, item);
    }

  /* created_by as the classic builder writes it: what was copied, by digest. */
  {
    g_autofree char *keyword = g_ascii_strup (insn->keyword, -1);
    g_autofree char *dest_line = g_strdup_printf ("dest %s", plan->dest_dir);
    const char *kind = sources->len + heredocs->len > 1 ? "multi"
                       : dest_file != NULL || heredocs->len == 1 ? "file"
                                                                   : "dir";

    digest_items (plan, hasher);
    pier_hasher_update (hasher, dest_line, strlen (dest_line) + 1);
    digest = pier_hasher_finish (hasher);
    g_string_append (created_by, keyword);
    for (guint i = 0; i < insn->n_flags; i++)
      {
        g_string_append_printf (created_by, " --%s", insn->flags[i].name);
        if (insn->flags[i].value != NULL)
          g_string_append_printf (created_by, "=%s", insn->flags[i].value);
      }
    g_string_append_printf (created_by, " %s:%s in %s ", kind, pier_digest_hex (digest), dest_arg);
    plan->created_by = g_strdup (created_by->str);
  }
  return g_steal_pointer (&plan);
}

/* ---- staging ---- */

typedef struct {
  PierBuild *build;
  PierBuildStage *stage;
  PierMergedTree *tree;     /* the stage below the new layer */
  int diff_fd;
  GHashTable *made;         /* directories present in the staged tree */
  GPtrArray *dir_times;     /* Item*-like records: dest and mtime, applied at the end */
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
finish_file (int fd, const Item *item, GError **error)
{
  struct timespec times[2] = { { item->mtime_sec, 0 }, { item->mtime_sec, 0 } };

  /* Owner before mode: chown clears set-id bits. */
  if (fchown (fd, item->uid, item->gid) < 0 || fchmod (fd, item->mode) < 0
      || futimens (fd, times) < 0)
    return pier_set_errno (error, errno, _("setting the metadata of /%s"), item->dest);
  return TRUE;
}

static gboolean
stage_item (Stager *s, PierCopyPlan *plan, Item *item, GError **error)
{
  g_autofree char *parent = g_path_get_dirname (item->dest);
  g_autofree char *name = g_path_get_basename (item->dest);
  pier_autofd int parent_fd = -1;
  pier_autofd int out = -1;
  struct stat st;

  if (item->type == ITEM_DIR)
    return make_parents (s, item->dest, FALSE, NULL, 0, 0, error)
           && make_dir (s, item->dest, item->mode, item->uid, item->gid, item->mtime_sec, error);
  if (item->type == ITEM_ARCHIVE)
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
  if (item->type == ITEM_SYMLINK)
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
  if (item->type == ITEM_DATA)
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
