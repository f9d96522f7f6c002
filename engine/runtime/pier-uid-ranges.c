/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-uid-ranges.h"

#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"
#include "pier-lock.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

/* Where the reserved entry goes: the upper half of the 32-bit ids, clear of the ranges useradd
 * hands out from 100000, up to the last full range below the invalid id 2^32 - 1. */
#define RESERVED_FLOOR 2147483648u
#define RESERVED_END 4294901760u

typedef struct {
  guint64 start, end;
  gboolean ours; /* the "containers" user's */
} SubidEntry;

struct _PierUidPool {
  guint32 start, count;
  GArray *foreign; /* SubidEntry: other users' entries (of either file) that overlap it */
};

void
pier_uid_pool_free (PierUidPool *pool)
{
  if (pool == NULL)
    return;
  g_array_unref (pool->foreign);
  g_free (pool);
}

static GArray *
parse_entries (const char *content)
{
  g_auto (GStrv) lines = g_strsplit (content ? content : "", "\n", -1);
  GArray *entries = g_array_new (FALSE, FALSE, sizeof (SubidEntry));

  for (char **l = lines; *l; l++)
    {
      g_auto (GStrv) f = g_strsplit (*l, ":", 3);
      SubidEntry e;
      guint64 s, n;
      if (g_strv_length (f) != 3 || !g_ascii_string_to_unsigned (f[1], 10, 0, G_MAXUINT32, &s, NULL) ||
          !g_ascii_string_to_unsigned (g_strstrip (f[2]), 10, 1, G_MAXUINT32, &n, NULL))
        continue;
      e = (SubidEntry){ s, s + n, strcmp (f[0], PIER_SUBID_USER) == 0 };
      g_array_append_val (entries, e);
    }
  return entries;
}

/* Finds the "containers" entry of @path, or appends one above every range already there (and
 * at least at @floor) up to the top of the 32-bit ids. @entries: every entry of the file. */
static gboolean
ensure_entry (const char *path, guint64 floor, guint32 *start, guint32 *count, GArray **entries,
              GError **error)
{
  g_autofree char *content = NULL;
  g_autofree char *updated = NULL;
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  pier_autofd int dir_fd = -1;
  guint64 highest_end = 0, want_start;

  g_file_get_contents (path, &content, NULL, NULL);
  *entries = parse_entries (content);
  for (guint i = 0; i < (*entries)->len; i++)
    highest_end = MAX (highest_end, g_array_index (*entries, SubidEntry, i).end);
  for (guint i = 0; i < (*entries)->len; i++)
    {
      const SubidEntry *e = &g_array_index (*entries, SubidEntry, i);
      if (e->ours)
        {
          *start = e->start;
          *count = e->end - e->start;
          return TRUE;
        }
    }
  want_start = MAX (floor, (highest_end + PIER_UID_RANGE_SIZE - 1) / PIER_UID_RANGE_SIZE * PIER_UID_RANGE_SIZE);
  if (want_start + PIER_UID_RANGE_SIZE > RESERVED_END)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED,
                   _("%s leaves no room above its ranges; add a line “%s:START:COUNT” for Pier's "
                     "containers"), path, PIER_SUBID_USER);
      return FALSE;
    }
  updated = g_strdup_printf ("%s%s%s:%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT "\n",
                             content ? content : "",
                             content && *content && !g_str_has_suffix (content, "\n") ? "\n" : "",
                             PIER_SUBID_USER, want_start, RESERVED_END - want_start);
  dir_fd = pier_fs_open_dir_at (AT_FDCWD, dir, error);
  if (dir_fd < 0 || !pier_fs_write_atomic_at (dir_fd, base, updated, strlen (updated), 0644, error))
    {
      g_prefix_error (error, _("reserving ids for containers in %s: "), path);
      return FALSE;
    }
  *start = want_start;
  *count = RESERVED_END - want_start;
  return TRUE;
}

static void
add_foreign (PierUidPool *pool, GArray *entries)
{
  for (guint i = 0; i < entries->len; i++)
    {
      const SubidEntry *e = &g_array_index (entries, SubidEntry, i);
      if (!e->ours && e->start < (guint64) pool->start + pool->count && e->end > pool->start)
        g_array_append_val (pool->foreign, *e);
    }
}

PierUidPool *
pier_uid_pool_load (const char *subuid_path, const char *subgid_path, GError **error)
{
  g_autoptr (PierLock) lock = pier_lock_acquire ("/run/pier-subid.lock", TRUE, NULL);
  g_autoptr (PierUidPool) pool = g_new0 (PierUidPool, 1);
  g_autoptr (GArray) uids = NULL;
  g_autoptr (GArray) gids = NULL;
  guint32 gstart, gcount;

  pool->foreign = g_array_new (FALSE, FALSE, sizeof (SubidEntry));
  if (!ensure_entry (subuid_path ? subuid_path : "/etc/subuid", RESERVED_FLOOR, &pool->start,
                     &pool->count, &uids, error) ||
      !ensure_entry (subgid_path ? subgid_path : "/etc/subgid", pool->start, &gstart, &gcount,
                     &gids, error))
    return NULL;
  if (gstart != pool->start || gcount != pool->count)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED,
                   _("the “%s” entries of /etc/subuid (%u:%u) and /etc/subgid (%u:%u) differ; "
                     "make them equal"), PIER_SUBID_USER, pool->start, pool->count, gstart, gcount);
      return NULL;
    }
  add_foreign (pool, uids);
  add_foreign (pool, gids);
  return g_steal_pointer (&pool);
}

static gboolean
overlaps_foreign (const PierUidPool *pool, guint64 base)
{
  for (guint i = 0; i < pool->foreign->len; i++)
    {
      const SubidEntry *e = &g_array_index (pool->foreign, SubidEntry, i);
      if (e->start < base + PIER_UID_RANGE_SIZE && e->end > base)
        return TRUE;
    }
  return FALSE;
}

static int
claims_open (GError **error)
{
  if (!pier_fs_mkdir_p (PIER_UID_CLAIMS_DIR, 0700, error))
    return -1;
  return pier_fs_open_dir_at (AT_FDCWD, PIER_UID_CLAIMS_DIR, error);
}

/* The lock that claims and releases take turns under: on a descriptor of its own, since a flock
 * goes with the open file and the caller's may be shared. */
static int
lock_claims (int claims_fd, GError **error)
{
  pier_autofd int fd = openat (claims_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int rc = -1;

  while (fd >= 0 && (rc = flock (fd, LOCK_EX)) < 0 && errno == EINTR)
    ;
  if (fd < 0 || rc < 0)
    {
      pier_set_errno (error, errno, _("locking the id-range claims"));
      return -1;
    }
  return g_steal_fd (&fd);
}

/* Whether the claim @name is a live claimant's (under the claims lock). What cannot be judged
 * counts as live: handing out ids in use is the one thing that must never happen. */
static gboolean
claim_is_live (int claims_fd, const char *name)
{
  pier_autofd int fd = openat (claims_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  g_autofree char *keeper = NULL;
  struct stat st;

  if (fd < 0)
    return errno != ENOENT;
  if (flock (fd, LOCK_SH | LOCK_NB) < 0 || !pier_fs_read_fd (fd, PATH_MAX, &keeper, NULL, NULL))
    return TRUE;
  if (keeper[0] != '/')
    return FALSE;
  return stat (keeper, &st) == 0 || errno != ENOENT;
}

static gboolean
fill_claim (int fd, int claims_fd, const char *keeper, gboolean durable, gboolean hold,
            GError **error)
{
  if (hold && flock (fd, LOCK_EX | LOCK_NB) < 0)
    return pier_set_errno (error, errno, _("locking the claim"));
  if (!pier_fs_write_all (fd, keeper, strlen (keeper), error))
    return FALSE;
  if (durable && (fsync (fd) < 0 || fsync (claims_fd) < 0))
    return pier_set_errno (error, errno, _("syncing the claim"));
  return TRUE;
}

static gboolean
claim_first_free (int claims_fd, const PierUidPool *pool, const char *keeper, gboolean durable,
                  int *held_fd, guint32 *base, guint32 *count, GError **error)
{
  g_autoptr (PierUidPool) host_pool = NULL;
  pier_autofd int host_fd = -1;
  pier_autofd int lock_fd = -1;

  if (pool == NULL && (pool = host_pool = pier_uid_pool_load (NULL, NULL, error)) == NULL)
    return FALSE;
  if (claims_fd < 0 && (claims_fd = host_fd = claims_open (error)) < 0)
    return FALSE;
  if ((lock_fd = lock_claims (claims_fd, error)) < 0)
    return FALSE;
  for (guint64 s = 0; s < pool->count / PIER_UID_RANGE_SIZE; s++)
    {
      guint32 candidate = pool->start + s * PIER_UID_RANGE_SIZE;
      pier_autofd int fd = -1;
      char name[16];

      if (overlaps_foreign (pool, candidate))
        continue;
      g_snprintf (name, sizeof name, "%u", candidate);
      fd = openat (claims_fd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      if (fd < 0 && errno == EEXIST)
        {
          if (claim_is_live (claims_fd, name))
            continue;
          g_debug ("ids %s: their claimant is gone, taking them over", name);
          if (unlinkat (claims_fd, name, 0) < 0 && errno != ENOENT)
            return pier_set_errno (error, errno,
                                   _("taking over the abandoned claim on ids %s"), name);
          fd = openat (claims_fd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        }
      if (fd < 0)
        return pier_set_errno (error, errno, _("claiming ids %s"), name);
      if (!fill_claim (fd, claims_fd, keeper, durable, held_fd != NULL, error))
        {
          unlinkat (claims_fd, name, 0);
          g_prefix_error (error, _("claiming ids %s: "), name);
          return FALSE;
        }
      *base = candidate;
      *count = PIER_UID_RANGE_SIZE;
      g_debug ("claimed ids %u-%u for %s", candidate, candidate + PIER_UID_RANGE_SIZE - 1, keeper);
      if (held_fd != NULL)
        *held_fd = g_steal_fd (&fd);
      return TRUE;
    }
  g_set_error (error, PIER_ERROR, PIER_ERROR_NO_SPACE,
               _("every id range of the “%s” entry in /etc/subuid is in use; remove containers"),
               PIER_SUBID_USER);
  return FALSE;
}

gboolean
pier_uid_ranges_claim (int claims_fd, const PierUidPool *pool, const char *keeper_dir,
                       gboolean durable, guint32 *base, guint32 *count, GError **error)
{
  g_return_val_if_fail (g_path_is_absolute (keeper_dir), FALSE);
  return claim_first_free (claims_fd, pool, keeper_dir, durable, NULL, base, count, error);
}

void
pier_uid_ranges_release (int claims_fd, guint32 base, const char *keeper_dir)
{
  pier_autofd int host_fd = claims_fd < 0 ? claims_open (NULL) : -1;
  pier_autofd int lock_fd = -1;
  g_autofree char *name = g_strdup_printf ("%u", base);
  g_autofree char *holder = NULL;

  if (claims_fd < 0)
    claims_fd = host_fd;
  if (claims_fd >= 0 && (lock_fd = lock_claims (claims_fd, NULL)) >= 0 && pier_fs_read_all_at (claims_fd, name, PATH_MAX, &holder, NULL, NULL) &&
      strcmp (holder, keeper_dir) == 0)
    unlinkat (claims_fd, name, 0);
}

gboolean
pier_uid_ranges_find (int claims_fd, const char *keeper_dir, guint32 *base)
{
  pier_autofd int host_fd = claims_fd < 0 ? claims_open (NULL) : -1;
  g_autoptr (GPtrArray) names = NULL;

  if (claims_fd < 0)
    claims_fd = host_fd;
  if (claims_fd < 0 || (names = pier_fs_list_sorted_at (claims_fd, NULL)) == NULL)
    return FALSE;
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *holder = NULL;
      guint64 value;

      if (pier_fs_read_all_at (claims_fd, names->pdata[i], PATH_MAX, &holder, NULL, NULL) &&
          strcmp (holder, keeper_dir) == 0 &&
          g_ascii_string_to_unsigned (names->pdata[i], 10, 0, G_MAXUINT32, &value, NULL))
        {
          *base = (guint32) value;
          return TRUE;
        }
    }
  return FALSE;
}

PierUidClaim *
pier_uid_ranges_claim_held (int claims_fd, const PierUidPool *pool, GError **error)
{
  g_autoptr (PierUidClaim) claim = g_new0 (PierUidClaim, 1);

  claim->fd = -1;
  /* Who holds it, for a person looking: the flock alone keeps it. */
  claim->keeper = g_strdup_printf ("process %d", (int) getpid ());
  if (claims_fd < 0)
    claim->claims_fd = claims_open (error);
  else if ((claim->claims_fd = fcntl (claims_fd, F_DUPFD_CLOEXEC, 3)) < 0)
    pier_set_errno (error, errno, _("claiming ids"));
  if (claim->claims_fd < 0)
    return NULL;
  if (!claim_first_free (claim->claims_fd, pool, claim->keeper, FALSE, &claim->fd, &claim->base,
                         &claim->count, error))
    return NULL;
  return g_steal_pointer (&claim);
}

void
pier_uid_claim_free (PierUidClaim *claim)
{
  if (claim == NULL)
    return;
  if (claim->fd >= 0)
    pier_uid_ranges_release (claim->claims_fd, claim->base, claim->keeper);
  pier_close_fd_ptr (&claim->fd);
  pier_close_fd_ptr (&claim->claims_fd);
  g_free (claim->keeper);
  g_free (claim);
}
