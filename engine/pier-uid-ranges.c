#include "pier-uid-ranges.h"

#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-lock.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

/* Where the reserved entry goes: the upper half of the 32-bit ids, clear of the ranges useradd
 * hands out from 100000, up to the last full range below the invalid id 2^32 - 1. */
#define RESERVED_FLOOR 2147483648u
#define RESERVED_END 4294901760u

static gboolean
find_entry (const char *content, guint32 *start, guint32 *count, guint64 *highest_end)
{
  g_auto (GStrv) lines = g_strsplit (content ? content : "", "\n", -1);
  gboolean found = FALSE;

  *highest_end = 0;
  for (char **l = lines; *l; l++)
    {
      g_auto (GStrv) f = g_strsplit (*l, ":", 3);
      guint64 s, n;
      if (g_strv_length (f) != 3 || !g_ascii_string_to_unsigned (f[1], 10, 0, G_MAXUINT32, &s, NULL) ||
          !g_ascii_string_to_unsigned (g_strstrip (f[2]), 10, 1, G_MAXUINT32, &n, NULL))
        continue;
      *highest_end = MAX (*highest_end, s + n);
      if (strcmp (f[0], PIER_SUBID_USER) == 0 && !found)
        {
          *start = s;
          *count = n;
          found = TRUE;
        }
    }
  return found;
}

/* Finds the "containers" entry of @path, or appends one above every range already there (and
 * at least at @floor) up to the top of the 32-bit ids. */
static gboolean
ensure_entry (const char *path, guint64 floor, guint32 *start, guint32 *count, GError **error)
{
  g_autofree char *content = NULL;
  g_autofree char *updated = NULL;
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  pier_autofd int dir_fd = -1;
  guint64 highest_end, want_start;

  g_file_get_contents (path, &content, NULL, NULL);
  if (find_entry (content, start, count, &highest_end))
    return TRUE;
  want_start = MAX (floor, (highest_end + PIER_UID_RANGE_SIZE - 1) / PIER_UID_RANGE_SIZE * PIER_UID_RANGE_SIZE);
  if (want_start + PIER_UID_RANGE_SIZE > RESERVED_END)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED,
                   "%s leaves no room above its ranges; add a line “%s:START:COUNT” for Pier's "
                   "containers", path, PIER_SUBID_USER);
      return FALSE;
    }
  updated = g_strdup_printf ("%s%s%s:%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT "\n",
                             content ? content : "",
                             content && *content && !g_str_has_suffix (content, "\n") ? "\n" : "",
                             PIER_SUBID_USER, want_start, RESERVED_END - want_start);
  dir_fd = pier_fs_open_dir_at (AT_FDCWD, dir, error);
  if (dir_fd < 0 || !pier_fs_write_atomic_at (dir_fd, base, updated, strlen (updated), 0644, error))
    {
      g_prefix_error (error, "reserving ids for containers in %s: ", path);
      return FALSE;
    }
  *start = want_start;
  *count = RESERVED_END - want_start;
  return TRUE;
}

gboolean
pier_uid_ranges_reserved (const char *subuid_path, const char *subgid_path, guint32 *start,
                          guint32 *count, GError **error)
{
  g_autoptr (PierLock) lock = pier_lock_acquire ("/run/pier-subid.lock", TRUE, NULL);
  guint32 gstart, gcount;

  if (!ensure_entry (subuid_path ? subuid_path : "/etc/subuid", RESERVED_FLOOR, start, count, error) ||
      !ensure_entry (subgid_path ? subgid_path : "/etc/subgid", *start, &gstart, &gcount, error))
    return FALSE;
  if (gstart != *start || gcount != *count)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED,
                   "the “%s” entries of /etc/subuid (%u:%u) and /etc/subgid (%u:%u) differ; "
                   "make them equal", PIER_SUBID_USER, *start, *count, gstart, gcount);
      return FALSE;
    }
  return TRUE;
}

gboolean
pier_uid_ranges_claim (int claims_fd, const char *owner, gboolean durable, guint32 *base,
                       guint32 *count, GError **error)
{
  guint32 start, total;

  if (!pier_uid_ranges_reserved (NULL, NULL, &start, &total, error))
    return FALSE;
  for (guint64 s = 0; s < total / PIER_UID_RANGE_SIZE; s++)
    {
      guint32 candidate = start + s * PIER_UID_RANGE_SIZE;
      g_autofree char *name = g_strdup_printf ("%u", candidate);
      pier_autofd int fd = openat (claims_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

      if (fd < 0 && errno == EEXIST)
        continue;
      if (fd < 0 || !pier_fs_write_all (fd, owner, strlen (owner), error) ||
          (durable && fsync (fd) < 0))
        {
          if (fd >= 0)
            unlinkat (claims_fd, name, 0);
          return error && *error ? FALSE : pier_set_errno (error, errno, "claiming ids %u", candidate);
        }
      *base = candidate;
      *count = PIER_UID_RANGE_SIZE;
      return TRUE;
    }
  g_set_error (error, PIER_ERROR, PIER_ERROR_NO_SPACE,
               "every id range of the “%s” entry in /etc/subuid is in use; remove containers",
               PIER_SUBID_USER);
  return FALSE;
}
