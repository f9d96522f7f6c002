/* The build cache: a record per step under ROOT/build-cache, and the content hashes of files
 * that COPY keys on. Both are caches: a record that cannot be read, or whose layer is gone, is a
 * miss, never an error, so they are written without fsync (a crash leaves the old record or
 * the new one, or none). */
#include "pier-build-private.h"

#include "pier-digest.h"
#include "pier-error.h"
#include "pier-fsutil.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <fcntl.h>
#include <jansson.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define CACHE_DIR "build-cache"
#define FILE_HASHES "files"
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

PierBuildRecord *
pier_build_cache_lookup (PierStore *store, const char *key)
{
  g_autofree char *dir = cache_dir (store);
  g_autofree char *path = g_build_filename (dir, pier_digest_hex (key), NULL);
  g_autofree char *data = NULL;
  g_autoptr (PierBuildRecord) record = NULL;
  gsize len;
  json_t *o, *layer;

  if (!g_file_get_contents (path, &data, &len, NULL))
    return NULL;
  o = json_loadb (data, len, 0, NULL);
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

static char *
record_to_json (const PierBuildRecord *record)
{
  json_t *o = json_object ();
  char *dumped;

  json_object_set_new (o, "created", json_string (record->created));
  if (record->layer != NULL)
    {
      json_t *layer = json_object ();
      json_object_set_new (layer, "mediaType", json_string (record->layer->media_type));
      json_object_set_new (layer, "digest", json_string (record->layer->digest));
      json_object_set_new (layer, "size", json_integer (record->layer->size));
      json_object_set_new (layer, "diffID", json_string (record->diff_id));
      json_object_set_new (o, "layer", layer);
    }
  dumped = json_dumps (o, JSON_COMPACT);
  json_decref (o);
  return dumped;
}

gboolean
pier_build_cache_write (PierStore *store, GPtrArray *records, GError **error)
{
  g_autofree char *dir = cache_dir (store);
  pier_autofd int dir_fd = -1;

  if (records->len == 0)
    return TRUE;
  if (g_mkdir (dir, 0700) < 0 && errno != EEXIST)
    return pier_set_errno (error, errno, "creating %s", dir);
  if ((dir_fd = pier_fs_open_dir_at (AT_FDCWD, dir, error)) < 0)
    return FALSE;
  for (guint i = 0; i < records->len; i++)
    {
      const PierBuildRecord *record = records->pdata[i];
      char *dumped = record_to_json (record);
      gboolean ok = pier_fs_replace_at (dir_fd, pier_digest_hex (record->key), dumped,
                                        strlen (dumped), 0600, FALSE, error);
      free (dumped);
      if (!ok)
        {
          g_prefix_error (error, "writing the build cache: ");
          return FALSE;
        }
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
  fd = pier_fs_open_regular_in_root (dirfd, name, RESOLVE_NO_SYMLINKS, G_MAXSSIZE, NULL, error);
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
          pier_set_errno (error, errno, "reading %s", name);
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
