/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The build cache: a record per step in ROOT/build-cache/records, and the content hashes of
 * files that COPY keys on. Both are caches: a record that cannot be read, or whose layer is
 * gone, is a miss, never an error, so they are written without fsync (a crash leaves the old
 * records, or the new ones, or a torn last line that reads as a miss). One file rather than a
 * file a step: a Dockerfile of 20,000 instructions writes one line each, not 20,000 files. */
#include "pier-build-private.h"

#include "pier-digest.h"
#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"
#include "pier-json.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <fcntl.h>
#include <jansson.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CACHE_DIR "build-cache"
#define FILE_HASHES "files"
/* One line a step: "KEY-HEX {record}", appended by each build; the last line of a key wins. */
#define RECORDS "records"
/* Past this size the file is rewritten with one line a key, the newest MAX_RECORDS_KEPT bytes. */
#define MAX_RECORDS_SIZE (16 * 1024 * 1024)
#define MAX_RECORDS_KEPT (MAX_RECORDS_SIZE / 2)
/* What a build reads: one build may append much past MAX_RECORDS_SIZE before compacting. */
#define MAX_RECORDS_READ (4 * (gsize) MAX_RECORDS_SIZE)
#define KEY_VERSION "pier-build-cache-1"
/* Hashes kept from earlier builds besides those this one used. */
#define MAX_KEPT_HASHES 100000

void
pier_build_record_free (PierBuildRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->key);
  g_free (record->created);
  g_free (record->diff_id);
  pier_descriptor_free (record->layer);
  g_free (record);
}

char *
pier_build_cache_key (const char *parent, const char *created_by, const char *comment)
{
  g_autoptr (PierHasher) hasher = pier_hasher_new ();
  const char *parts[] = { KEY_VERSION, parent ? parent : "", created_by ? created_by : "",
                          comment ? comment : "" };

  /* Each part with its terminating NUL, so that no two different lists hash alike. */
  for (gsize i = 0; i < G_N_ELEMENTS (parts); i++)
    pier_hasher_update (hasher, parts[i], strlen (parts[i]) + 1);
  return pier_hasher_finish (hasher);
}

static char *
cache_dir (PierStore *store)
{
  return g_build_filename (pier_store_get_root (store), CACHE_DIR, NULL);
}

/* ---- step records ---- */

struct _PierBuildCache {
  GHashTable *lines; /* key hex → the record's JSON, the last line of that key */
};

void
pier_build_cache_free (PierBuildCache *cache)
{
  if (cache == NULL)
    return;
  g_hash_table_unref (cache->lines);
  g_free (cache);
}

#define KEY_HEX_LENGTH 64

/* "KEY-HEX {...": anything else is the torn end of an interrupted append, and left out. */
static gboolean
is_record_line (const char *line)
{
  for (guint i = 0; i < KEY_HEX_LENGTH; i++)
    if (!g_ascii_isxdigit (line[i]))
      return FALSE;
  return line[KEY_HEX_LENGTH] == ' ' && line[KEY_HEX_LENGTH + 1] == '{';
}

/* The records file's lines into @lines, later lines of a key replacing earlier ones. */
static void
index_lines (char *data, GHashTable *lines)
{
  char *next;

  for (char *line = data; line != NULL && *line != '\0'; line = next)
    {
      next = strchr (line, '\n');
      if (next != NULL)
        *next++ = '\0';
      if (is_record_line (line))
        g_hash_table_replace (lines, g_strndup (line, KEY_HEX_LENGTH),
                              g_strdup (line + KEY_HEX_LENGTH + 1));
    }
}

static GHashTable *
lines_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

PierBuildCache *
pier_build_cache_load (PierStore *store)
{
  PierBuildCache *cache = g_new0 (PierBuildCache, 1);
  g_autofree char *path = g_build_filename (pier_store_get_root (store), CACHE_DIR, RECORDS,
                                            NULL);
  g_autofree char *data = NULL;
  gsize len;

  cache->lines = lines_new ();
  if (pier_fs_read_all_at (AT_FDCWD, path, MAX_RECORDS_READ, &data, &len, NULL))
    index_lines (data, cache->lines);
  return cache;
}

PierBuildRecord *
pier_build_cache_lookup (PierBuildCache *cache, PierStore *store, const char *key)
{
  const char *json = g_hash_table_lookup (cache->lines, pier_digest_hex (key));
  g_autoptr (PierBuildRecord) record = NULL;
  json_t *o, *layer;

  if (json == NULL)
    return NULL;
  o = json_loads (json, 0, NULL);
  if (!json_is_object (o) || !json_is_string (json_object_get (o, "created")))
    {
      json_decref (o);
      return NULL;
    }
  record = g_new0 (PierBuildRecord, 1);
  record->key = g_strdup (key);
  record->created = g_strdup (json_string_value (json_object_get (o, "created")));
  layer = json_object_get (o, "layer");
  if (json_is_object (layer))
    {
      const char *media_type = json_string_value (json_object_get (layer, "mediaType"));
      const char *digest = json_string_value (json_object_get (layer, "digest"));
      const char *diff_id = json_string_value (json_object_get (layer, "diffID"));
      json_int_t size = json_integer_value (json_object_get (layer, "size"));

      if (media_type && pier_digest_is_valid (digest) && pier_digest_is_valid (diff_id))
        {
          record->layer = pier_descriptor_new (media_type, digest, size);
          record->diff_id = g_strdup (diff_id);
        }
      else
        g_clear_pointer (&record, pier_build_record_free);
    }
  json_decref (o);
  if (record != NULL && record->layer != NULL
      && (!pier_blob_store_has (pier_store_get_blobs (store), record->layer->digest)
          || !pier_store_has_layer (store, record->diff_id)))
    return NULL;
  return g_steal_pointer (&record);
}

static gboolean
append_record (GString *out, const PierBuildRecord *record, GError **error)
{
  g_auto (PierJsonWriter) w = { NULL };
  g_autofree char *dumped = NULL;
  json_t *o = json_object ();

  pier_json_set_text (&w, o, "created", record->created);
  if (record->layer != NULL)
    {
      json_t *layer = json_object ();
      pier_json_set_text (&w, layer, "mediaType", record->layer->media_type);
      pier_json_set_text (&w, layer, "digest", record->layer->digest);
      pier_json_set (&w, layer, "size", json_integer (record->layer->size));
      pier_json_set_text (&w, layer, "diffID", record->diff_id);
      pier_json_set (&w, o, "layer", layer);
    }
  dumped = pier_json_writer_dump (&w, o, JSON_COMPACT, error);
  if (dumped == NULL)
    return FALSE;
  g_string_append_printf (out, "%s %s\n", pier_digest_hex (record->key), dumped);
  return TRUE;
}

/* Rewrites the records file with one line a key, the newest MAX_RECORDS_KEPT bytes of them: a
 * file that only grew would be read whole by every build. */
static gboolean
compact (int dir_fd, GError **error)
{
  g_autofree char *data = NULL;
  g_autoptr (GHashTable) newest = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GPtrArray) kept = g_ptr_array_new ();
  g_autoptr (GString) out = g_string_new (NULL);
  g_auto (GStrv) lines = NULL;
  gsize len, total = 0;

  if (!pier_fs_read_all_at (dir_fd, RECORDS, MAX_RECORDS_READ, &data, &len, NULL))
    return pier_fs_replace_at (dir_fd, RECORDS, "", 0, 0600, FALSE, error);
  lines = g_strsplit (data, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (is_record_line (lines[i]))
      g_hash_table_replace (newest, g_strndup (lines[i], KEY_HEX_LENGTH), GUINT_TO_POINTER (i + 1));
  /* Newest first, until the budget is spent; then back in file order. */
  for (guint i = g_strv_length (lines); i > 0; i--)
    {
      g_autofree char *key = NULL;
      if (!is_record_line (lines[i - 1]))
        continue;
      key = g_strndup (lines[i - 1], KEY_HEX_LENGTH);
      if (GPOINTER_TO_UINT (g_hash_table_lookup (newest, key)) != i)
        continue;
      total += strlen (lines[i - 1]) + 1;
      if (total > MAX_RECORDS_KEPT)
        break;
      g_ptr_array_add (kept, lines[i - 1]);
    }
  for (guint i = kept->len; i > 0; i--)
    g_string_append_printf (out, "%s\n", (char *) kept->pdata[i - 1]);
  return pier_fs_replace_at (dir_fd, RECORDS, out->str, out->len, 0600, FALSE, error);
}

gboolean
pier_build_cache_write (PierStore *store, GPtrArray *records, GError **error)
{
  g_autofree char *dir = cache_dir (store);
  g_autoptr (GString) out = g_string_new (NULL);
  pier_autofd int dir_fd = -1;
  pier_autofd int fd = -1;
  struct stat st;
  char last = '\n';

  if (records->len == 0)
    return TRUE;
  if (g_mkdir (dir, 0700) < 0 && errno != EEXIST)
    return pier_set_errno (error, errno, _("creating %s"), dir);
  if ((dir_fd = pier_fs_open_dir_at (AT_FDCWD, dir, error)) < 0)
    return FALSE;
  fd = openat (dir_fd, RECORDS, O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0 || fstat (fd, &st) < 0)
    return pier_set_errno (error, errno, _("writing the build cache"));
  /* After an append a crash cut short, the new lines start on a line of their own. */
  if (st.st_size > 0 && pread (fd, &last, 1, st.st_size - 1) != 1)
    last = '\0';
  if (last != '\n')
    g_string_append_c (out, '\n');
  for (guint i = 0; i < records->len; i++)
    if (!append_record (out, records->pdata[i], error))
      return FALSE;
  if (!pier_fs_write_all (fd, out->str, out->len, error))
    {
      g_prefix_error (error, _("writing the build cache: "));
      return FALSE;
    }
  if ((gsize) st.st_size + out->len > MAX_RECORDS_SIZE && !compact (dir_fd, error))
    {
      g_prefix_error (error, _("compacting the build cache: "));
      return FALSE;
    }
  return TRUE;
}

/* ---- file hashes ---- */

typedef struct {
  guint64 size;
  gint64 mtime_sec, mtime_nsec, ctime_sec, ctime_nsec;
  char *digest;
  gboolean used;
} FileHash;

struct _PierFileHashes {
  GHashTable *by_inode; /* "dev:ino" → FileHash */
  gboolean dirty;
};

static void
file_hash_free (FileHash *h)
{
  g_free (h->digest);
  g_free (h);
}

static char *
inode_key (const struct stat *st)
{
  return g_strdup_printf ("%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT, (guint64) st->st_dev,
                          (guint64) st->st_ino);
}

PierFileHashes *
pier_file_hashes_load (PierStore *store)
{
  PierFileHashes *hashes = g_new0 (PierFileHashes, 1);
  g_autofree char *dir = cache_dir (store);
  g_autofree char *path = g_build_filename (dir, FILE_HASHES, NULL);
  g_autofree char *data = NULL;
  g_auto (GStrv) lines = NULL;

  hashes->by_inode = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify) file_hash_free);
  if (!g_file_get_contents (path, &data, NULL, NULL))
    return hashes;
  lines = g_strsplit (data, "\n", -1);
  for (char **line = lines; *line; line++)
    {
      char key[64], digest[80];
      FileHash h = { 0 };
      if (sscanf (*line, "%63s %" G_GUINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT
                         " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %79s",
                  key, &h.size, &h.mtime_sec, &h.mtime_nsec, &h.ctime_sec, &h.ctime_nsec, digest)
              == 7
          && pier_digest_is_valid (digest))
        {
          FileHash *copy = g_memdup2 (&h, sizeof h);
          copy->digest = g_strdup (digest);
          g_hash_table_replace (hashes->by_inode, g_strdup (key), copy);
        }
    }
  return hashes;
}

static gboolean
matches (const FileHash *h, const struct stat *st)
{
  return h->size == (guint64) st->st_size && h->mtime_sec == st->st_mtim.tv_sec
         && h->mtime_nsec == st->st_mtim.tv_nsec && h->ctime_sec == st->st_ctim.tv_sec
         && h->ctime_nsec == st->st_ctim.tv_nsec;
}

char *
pier_file_hashes_get (PierFileHashes *hashes, int dirfd, const char *name,
                      const struct stat *st, GError **error)
{
  g_autofree char *key = inode_key (st);
  FileHash *h = g_hash_table_lookup (hashes->by_inode, key);
  g_autoptr (PierHasher) hasher = NULL;
  g_autofree guint8 *buf = NULL;
  pier_autofd int fd = -1;
  struct stat after;
  ssize_t n;

  if (h != NULL && matches (h, st))
    {
      h->used = TRUE;
      return g_strdup (h->digest);
    }
  /* Swapped for a FIFO since @st was taken, it must not block the build. */
  fd = pier_fs_open_regular_in_root (dirfd, name, RESOLVE_NO_SYMLINKS, G_MAXSIZE, NULL, error);
  if (fd < 0)
    return NULL;
  hasher = pier_hasher_new ();
  buf = g_malloc (1 << 20);
  while ((n = read (fd, buf, 1 << 20)) != 0)
    {
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          pier_set_errno (error, errno, _("reading %s"), name);
          return NULL;
        }
      pier_hasher_update (hasher, buf, n);
    }
  /* A file that changed while it was read, or was swapped for another after @st was taken, is
   * hashed but not remembered. */
  if (fstat (fd, &after) < 0 || !(after.st_dev == st->st_dev && after.st_ino == st->st_ino
                                   && after.st_size == st->st_size
                                   && after.st_mtim.tv_sec == st->st_mtim.tv_sec
                                   && after.st_mtim.tv_nsec == st->st_mtim.tv_nsec
                                   && after.st_ctim.tv_sec == st->st_ctim.tv_sec
                                   && after.st_ctim.tv_nsec == st->st_ctim.tv_nsec))
    return pier_hasher_finish (hasher);
  h = g_new0 (FileHash, 1);
  h->size = st->st_size;
  h->mtime_sec = st->st_mtim.tv_sec;
  h->mtime_nsec = st->st_mtim.tv_nsec;
  h->ctime_sec = st->st_ctim.tv_sec;
  h->ctime_nsec = st->st_ctim.tv_nsec;
  h->digest = pier_hasher_finish (hasher);
  h->used = TRUE;
  g_hash_table_replace (hashes->by_inode, g_steal_pointer (&key), h);
  hashes->dirty = TRUE;
  return g_strdup (h->digest);
}

void
pier_file_hashes_save (PierFileHashes *hashes, PierStore *store)
{
  g_autofree char *dir = cache_dir (store);
  g_autofree char *path = g_build_filename (dir, FILE_HASHES, NULL);
  GString *out;
  GHashTableIter iter;
  gpointer key, value;
  guint kept = 0;

  if (!hashes->dirty)
    return;
  if (g_mkdir (dir, 0700) < 0 && errno != EEXIST)
    return;
  out = g_string_new (NULL);
  g_hash_table_iter_init (&iter, hashes->by_inode);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      FileHash *h = value;
      if (!h->used && kept++ >= MAX_KEPT_HASHES)
        continue;
      g_string_append_printf (out, "%s %" G_GUINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT
                                   " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %s\n",
                              (char *) key, h->size, h->mtime_sec, h->mtime_nsec, h->ctime_sec,
                              h->ctime_nsec, h->digest);
    }
  /* Losing this file only costs hashing again. */
  g_file_set_contents_full (path, out->str, out->len, G_FILE_SET_CONTENTS_NONE, 0600, NULL);
  g_string_free (out, TRUE);
}

void
pier_file_hashes_free (PierFileHashes *hashes)
{
  if (hashes == NULL)
    return;
  g_hash_table_unref (hashes->by_inode);
  g_free (hashes);
}
