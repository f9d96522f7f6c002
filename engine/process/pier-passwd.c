/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-passwd-private.h"

#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Far beyond any real passwd file; a container must not make the scanner read gigabytes. */
#define MAX_FILE_SIZE (16 * 1024 * 1024)

struct _PierIdNames {
  gatomicrefcount ref_count;
  char *text;          /* the file, with each name NUL-terminated in place */
  GHashTable *by_id;   /* GUINT_TO_POINTER (id) -> name inside text */
};

static gboolean
parse_id (const char *s, const char *end, guint32 *out)
{
  guint64 v = 0;

  if (s == end)
    return FALSE;
  for (; s < end; s++)
    {
      if (*s < '0' || *s > '9')
        return FALSE;
      v = v * 10 + (guint64) (*s - '0');
      if (v > G_MAXUINT32)
        return FALSE;
    }
  *out = (guint32) v;
  return TRUE;
}

PierIdNames *
pier_id_names_parse (const char *data, gsize len)
{
  PierIdNames *names = g_new0 (PierIdNames, 1);
  char *p, *end;

  g_atomic_ref_count_init (&names->ref_count);
  names->text = g_malloc (len + 1);
  memcpy (names->text, data, len);
  names->text[len] = '\0';
  names->by_id = g_hash_table_new (g_direct_hash, g_direct_equal);

  p = names->text;
  end = names->text + len;
  while (p < end)
    {
      char *eol = memchr (p, '\n', end - p);
      char *line = p, *c1, *c2, *c3;
      guint32 id;

      if (eol == NULL)
        eol = end;
      p = eol + 1;
      /* NAME:PASSWORD:ID: — the id field must be followed by a colon in both formats */
      if (line == eol || *line == '#' || *line == '+' || *line == '-')
        continue;
      if ((c1 = memchr (line, ':', eol - line)) == NULL || c1 == line)
        continue;
      if ((c2 = memchr (c1 + 1, ':', eol - (c1 + 1))) == NULL)
        continue;
      if ((c3 = memchr (c2 + 1, ':', eol - (c2 + 1))) == NULL || !parse_id (c2 + 1, c3, &id))
        continue;
      *c1 = '\0';
      if (!g_hash_table_contains (names->by_id, GUINT_TO_POINTER (id)))
        g_hash_table_insert (names->by_id, GUINT_TO_POINTER (id), line);
    }
  return names;
}

PierIdNames *
pier_id_names_ref (PierIdNames *names)
{
  g_atomic_ref_count_inc (&names->ref_count);
  return names;
}

void
pier_id_names_unref (PierIdNames *names)
{
  if (!g_atomic_ref_count_dec (&names->ref_count))
    return;
  g_hash_table_unref (names->by_id);
  g_free (names->text);
  g_free (names);
}

const char *
pier_id_names_lookup (const PierIdNames *names, guint32 id)
{
  return g_hash_table_lookup (names->by_id, GUINT_TO_POINTER (id));
}

guint
pier_id_names_get_size (const PierIdNames *names)
{
  return g_hash_table_size (names->by_id);
}

typedef struct {
  dev_t dev;
  ino_t ino;
} FileKey;

typedef struct {
  FileKey key;
  off_t size;
  struct timespec mtime, ctime;
  PierIdNames *names;
  gboolean used;
} CachedFile;

struct _PierIdNamesCache {
  GHashTable *files; /* FileKey -> CachedFile, key inside the value */
};

static guint
file_key_hash (gconstpointer p)
{
  const FileKey *k = p;
  return (guint) (k->ino * 2654435761u) ^ (guint) k->dev;
}

static gboolean
file_key_equal (gconstpointer a, gconstpointer b)
{
  const FileKey *x = a, *y = b;
  return x->dev == y->dev && x->ino == y->ino;
}

static void
cached_file_free (gpointer p)
{
  CachedFile *f = p;
  pier_id_names_unref (f->names);
  g_free (f);
}

PierIdNamesCache *
pier_id_names_cache_new (void)
{
  PierIdNamesCache *cache = g_new0 (PierIdNamesCache, 1);

  cache->files = g_hash_table_new_full (file_key_hash, file_key_equal, NULL, cached_file_free);
  return cache;
}

void
pier_id_names_cache_free (PierIdNamesCache *cache)
{
  g_hash_table_unref (cache->files);
  g_free (cache);
}

static gboolean
same_time (const struct timespec *a, const struct timespec *b)
{
  return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

PierIdNames *
pier_id_names_cache_load (PierIdNamesCache *cache, int root_dirfd, const char *path,
                          GError **error)
{
  pier_autofd int fd = -1;
  struct stat st;
  FileKey key;
  CachedFile *cached;
  g_autofree char *data = NULL;
  gsize len = 0;

  fd = pier_fs_open_regular_in_root (root_dirfd, path, 0, MAX_FILE_SIZE, &st, error);
  if (fd < 0)
    return NULL;

  key.dev = st.st_dev;
  key.ino = st.st_ino;
  cached = g_hash_table_lookup (cache->files, &key);
  if (cached != NULL && cached->size == st.st_size && same_time (&cached->mtime, &st.st_mtim)
      && same_time (&cached->ctime, &st.st_ctim))
    {
      cached->used = TRUE;
      return pier_id_names_ref (cached->names);
    }

  data = g_malloc (st.st_size + 1);
  while (len < (gsize) st.st_size)
    {
      ssize_t n = read (fd, data + len, st.st_size - len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          pier_set_errno (error, errno, _("reading %s"), path);
          return NULL;
        }
      if (n == 0)
        break; /* truncated while we read: parse what is there, the ctime will differ */
      len += n;
    }

  cached = g_new0 (CachedFile, 1);
  cached->key = key;
  cached->size = st.st_size;
  cached->mtime = st.st_mtim;
  cached->ctime = st.st_ctim;
  cached->names = pier_id_names_parse (data, len);
  cached->used = TRUE;
  g_hash_table_replace (cache->files, &cached->key, cached);
  return pier_id_names_ref (cached->names);
}

void
pier_id_names_cache_sweep (PierIdNamesCache *cache)
{
  GHashTableIter iter;
  CachedFile *f;

  g_hash_table_iter_init (&iter, cache->files);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &f))
    {
      if (!f->used)
        g_hash_table_iter_remove (&iter);
      else
        f->used = FALSE;
    }
}
