/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-store.h"

#include "pier-crash-point.h"
#include "pier-digest.h"
#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"
#include "pier-layer-unpack.h"
#include "pier-paths.h"
#include "pier-userns.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define OCI_LAYOUT_CONTENT "{\"imageLayoutVersion\":\"1.0.0\"}"

struct _PierStore {
  GObject parent_instance;

  char *root;
  char *runroot;
  int root_fd;
  int layers_fd;
  int tmp_fd;
  PierBlobStore *blobs;
  char *lock_path;
  gboolean rootless;

  GMutex work_lock;
  char *work_name;
  int work_fd;
  int work_lock_fd; /* flock held while this process lives */
};

G_DEFINE_FINAL_TYPE (PierStore, pier_store, G_TYPE_OBJECT)

static void
pier_store_finalize (GObject *object)
{
  PierStore *store = PIER_STORE (object);

  if (store->work_name != NULL)
    {
      pier_fs_rm_rf_at (store->tmp_fd, store->work_name, NULL);
      g_autofree char *lock_name = g_strconcat (store->work_name, ".lock", NULL);
      unlinkat (store->tmp_fd, lock_name, 0);
    }
  pier_close_fd_ptr (&store->work_fd);
  pier_close_fd_ptr (&store->work_lock_fd);
  pier_close_fd_ptr (&store->root_fd);
  pier_close_fd_ptr (&store->layers_fd);
  pier_close_fd_ptr (&store->tmp_fd);
  g_clear_pointer (&store->blobs, pier_blob_store_free);
  g_free (store->root);
  g_free (store->runroot);
  g_free (store->lock_path);
  g_free (store->work_name);
  g_mutex_clear (&store->work_lock);
  G_OBJECT_CLASS (pier_store_parent_class)->finalize (object);
}

static void
pier_store_class_init (PierStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pier_store_finalize;
}

static void
pier_store_init (PierStore *store)
{
  store->root_fd = store->layers_fd = store->tmp_fd = -1;
  store->work_fd = store->work_lock_fd = -1;
  g_mutex_init (&store->work_lock);
}

/* Work directories whose owner died (its flock is free) are leftovers of a crash. */
static void
remove_abandoned_work (PierStore *store)
{
  DIR *dir = pier_fs_opendir_at (store->tmp_fd);
  struct dirent *de;
  g_autoptr (GPtrArray) abandoned = g_ptr_array_new_with_free_func (g_free);

  if (dir == NULL)
    return;
  while ((de = readdir (dir)) != NULL)
    {
      pier_autofd int lock_fd = -1;
      if (!g_str_has_suffix (de->d_name, ".lock"))
        continue;
      lock_fd = openat (store->tmp_fd, de->d_name, O_RDWR | O_CLOEXEC);
      if (lock_fd >= 0 && flock (lock_fd, LOCK_EX | LOCK_NB) == 0)
        g_ptr_array_add (abandoned, g_strndup (de->d_name, strlen (de->d_name) - 5));
    }
  closedir (dir);
  for (guint i = 0; i < abandoned->len; i++)
    {
      g_autofree char *lock_name = g_strconcat (abandoned->pdata[i], ".lock", NULL);
      if (pier_fs_rm_rf_at (store->tmp_fd, abandoned->pdata[i], NULL))
        unlinkat (store->tmp_fd, lock_name, 0);
    }
}

static gboolean
initialise_layout (PierStore *store, gboolean *created, GError **error)
{
  *created = faccessat (store->root_fd, "oci-layout", F_OK, 0) < 0;
  if (!*created)
    return TRUE;
  if (faccessat (store->root_fd, "index.json", F_OK, 0) < 0)
    {
      g_autoptr (PierIndex) index = pier_index_new ();
      if (!pier_store_write_index (store, index, error))
        return FALSE;
    }
  /* oci-layout last: its presence says the layout is complete. */
  return pier_fs_write_atomic_at (store->root_fd, "oci-layout", OCI_LAYOUT_CONTENT,
                                  strlen (OCI_LAYOUT_CONTENT), 0644, error);
}

PierStore *
pier_store_open_layout (const char *root, const char *runroot, gboolean *created,
                        GError **error)
{
  g_autoptr (PierStore) store = g_object_new (PIER_TYPE_STORE, NULL);
  g_autoptr (PierLock) lock = NULL;

  store->root = root ? g_canonicalize_filename (root, NULL) : pier_paths_default_root ();
  store->runroot = runroot ? g_canonicalize_filename (runroot, NULL)
                           : pier_paths_default_runroot ();
  store->rootless = geteuid () != 0 || pier_userns_is_nested ();
  if (!pier_fs_mkdir_p (store->root, 0700, error))
    return NULL;
  store->root_fd = pier_fs_open_dir_at (AT_FDCWD, store->root, error);
  if (store->root_fd < 0)
    return NULL;
  store->lock_path = g_build_filename (store->root, "lock", NULL);
  lock = pier_store_lock (store, NULL, error);
  if (lock == NULL)
    return NULL;
  for (const char *const *d = (const char *const[]){ "layers", "tmp", "containers", NULL }; *d; d++)
    if (mkdirat (store->root_fd, *d, 0700) < 0 && errno != EEXIST)
      {
        pier_set_errno (error, errno, _("creating %s/%s"), store->root, *d);
        return NULL;
      }
  store->layers_fd = pier_fs_open_dir_at (store->root_fd, "layers", error);
  store->tmp_fd = store->layers_fd >= 0 ? pier_fs_open_dir_at (store->root_fd, "tmp", error) : -1;
  if (store->tmp_fd < 0)
    return NULL;
  store->blobs = pier_blob_store_new (store->root, error);
  if (store->blobs == NULL)
    return NULL;
  remove_abandoned_work (store);
  if (!initialise_layout (store, created, error))
    {
      g_prefix_error (error, _("creating the store in %s: "), store->root);
      return NULL;
    }
  g_debug ("store %s in %s, runtime state in %s, %s", *created ? "created" : "opened",
           store->root, store->runroot, store->rootless ? "rootless" : "as root");
  return g_steal_pointer (&store);
}

const char *
pier_store_get_root (PierStore *store)
{
  return store->root;
}

const char *
pier_store_get_runroot (PierStore *store)
{
  return store->runroot;
}

int
pier_store_get_root_fd (PierStore *store)
{
  return store->root_fd;
}

PierBlobStore *
pier_store_get_blobs (PierStore *store)
{
  return store->blobs;
}

gboolean
pier_store_is_rootless (PierStore *store)
{
  return store->rootless;
}

PierLock *
pier_store_lock (PierStore *store, GCancellable *cancellable, GError **error)
{
  /* flock waits uninterruptibly; a cancelled caller finds out once it has the lock. */
  return pier_lock_acquire (store->lock_path, TRUE, error);
}

/* ---- index ---- */

PierIndex *
pier_store_read_index (PierStore *store, GError **error)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  PierIndex *index;

  if (!pier_fs_read_all_at (store->root_fd, "index.json", PIER_OCI_MAX_INDEX_SIZE, &data, &len,
                            error))
    {
      g_prefix_error (error, _("reading the store's index: "));
      return NULL;
    }
  index = pier_index_parse (data, len, error);
  if (index == NULL)
    g_prefix_error (error, _("%s/index.json: "), store->root);
  return index;
}

gboolean
pier_store_write_index (PierStore *store, const PierIndex *index, GError **error)
{
  g_autofree char *json = pier_index_to_json (index, error);
  gsize len;

  if (json == NULL)
    return FALSE;
  len = strlen (json);
  if (len > PIER_OCI_MAX_INDEX_SIZE)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("the store's index would be %zu bytes, more than the %d it "
                     "may have: it has too many names; remove some (rmi) first"), len,
                   PIER_OCI_MAX_INDEX_SIZE);
      return FALSE;
    }
  pier_crash_point ("index:before-write");
  if (!pier_fs_write_atomic_at (store->root_fd, "index.json", json, len, 0644, error))
    {
      g_prefix_error (error, _("writing the store's index: "));
      return FALSE;
    }
  pier_crash_point ("index:written");
  return TRUE;
}

/* ---- work directory ---- */

int
pier_store_get_work_fd (PierStore *store, GError **error)
{
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&store->work_lock);
  g_autoptr (PierLock) lock = NULL;
  g_autofree char *name = NULL;
  g_autofree char *lock_name = NULL;

  if (store->work_fd >= 0)
    return store->work_fd;
  /* Under the store lock, so that remove_abandoned_work() never sees our lock file before we
   * hold it. */
  lock = pier_store_lock (store, NULL, error);
  if (lock == NULL)
    return -1;
  name = pier_fs_mkdtemp_at (store->tmp_fd, "work", error);
  if (name == NULL)
    return -1;
  lock_name = g_strconcat (name, ".lock", NULL);
  store->work_lock_fd = openat (store->tmp_fd, lock_name, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (store->work_lock_fd < 0 || flock (store->work_lock_fd, LOCK_EX | LOCK_NB) < 0)
    {
      pier_set_errno (error, errno, _("locking the work directory %s"), name);
      return -1;
    }
  store->work_fd = pier_fs_open_dir_at (store->tmp_fd, name, error);
  if (store->work_fd < 0)
    return -1;
  store->work_name = g_steal_pointer (&name);
  return store->work_fd;
}

/* ---- documents ---- */

/* A document blob, no bigger than any reader accepts. */
static GBytes *
read_document (PierStore *store, const char *digest, GError **error)
{
  return pier_blob_store_read (store->blobs, digest, PIER_OCI_MAX_DOCUMENT_SIZE, error);
}

PierManifest *
pier_store_read_manifest (PierStore *store, const char *digest, GError **error)
{
  g_autoptr (GBytes) bytes = read_document (store, digest, error);

  if (bytes == NULL)
    return NULL;
  return pier_manifest_parse (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), error);
}

PierImageConfig *
pier_store_read_config (PierStore *store, const char *digest, GError **error)
{
  g_autoptr (GBytes) bytes = read_document (store, digest, error);

  if (bytes == NULL)
    return NULL;
  return pier_image_config_parse (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                  error);
}

PierDescriptor *
pier_store_put_json (PierStore *store, const char *media_type, const char *json, GError **error)
{
  gsize len = strlen (json);
  g_autofree char *digest = NULL;

  if (len > PIER_OCI_MAX_DOCUMENT_SIZE)
    {
      gboolean config = g_strcmp0 (media_type, PIER_MEDIA_OCI_CONFIG) == 0;
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("the image %s would be %zu bytes, more than the %d an image "
                     "document may have%s"), config ? "config" : "manifest", len,
                   PIER_OCI_MAX_DOCUMENT_SIZE,
                   config ? ": its ENV, LABEL or history values are too large" : "");
      return NULL;
    }
  digest = pier_blob_store_put (store->blobs, json, len, error);
  if (digest == NULL)
    return NULL;
  return pier_descriptor_new (media_type, digest, len);
}

/* ---- layers ---- */

gboolean
pier_store_has_layer (PierStore *store, const char *diff_id)
{
  g_autofree char *info = NULL;

  if (!pier_digest_is_valid (diff_id))
    return FALSE;
  info = g_strconcat (pier_digest_hex (diff_id), "/info", NULL);
  return faccessat (store->layers_fd, info, F_OK, 0) == 0;
}

char *
pier_store_get_layer_path (PierStore *store, const char *diff_id)
{
  return g_build_filename (store->root, "layers", pier_digest_hex (diff_id), "diff", NULL);
}

gint64
pier_store_get_layer_size (PierStore *store, const char *diff_id)
{
  g_autofree char *info = NULL;
  g_autofree char *data = NULL;

  if (!pier_digest_is_valid (diff_id))
    return -1;
  info = g_strconcat (pier_digest_hex (diff_id), "/info", NULL);
  if (!pier_fs_read_all_at (store->layers_fd, info, 64, &data, NULL, NULL))
    return -1;
  return g_ascii_strtoll (data, NULL, 10);
}

gboolean
pier_store_commit_layer (PierStore *store, const char *work_name, const char *diff_id,
                         guint64 tar_size, GError **error)
{
  int work_fd = pier_store_get_work_fd (store, error);
  g_autofree char *size_text = g_strdup_printf ("%" G_GUINT64_FORMAT "\n", tar_size);
  pier_autofd int layer_fd = -1;
  const char *hex = pier_digest_hex (diff_id);

  if (work_fd < 0)
    return FALSE;
  if (pier_store_has_layer (store, diff_id))
    return pier_fs_rm_rf_at (work_fd, work_name, error);
  layer_fd = pier_fs_open_dir_at (work_fd, work_name, error);
  if (layer_fd < 0)
    return FALSE;
  /* One syncfs for the whole tree instead of an fsync per file: the layer is durable before
   * the rename makes it visible. */
  if (syncfs (layer_fd) < 0)
    return pier_set_errno (error, errno, _("syncing layer %s"), diff_id);
  if (!pier_fs_write_atomic_at (layer_fd, "info", size_text, strlen (size_text), 0644, error))
    return FALSE;
  pier_crash_point ("layer:before-rename");
  /* A directory left by a crash before its info file was written is incomplete: replace it. */
  if (!pier_fs_rm_rf_at (store->layers_fd, hex, error))
    return FALSE;
  if (renameat (work_fd, work_name, store->layers_fd, hex) < 0)
    return pier_set_errno (error, errno, _("storing layer %s"), diff_id);
  if (fsync (store->layers_fd) < 0)
    return pier_set_errno (error, errno, _("syncing the layers directory"));
  return TRUE;
}

PierUnpackOptions
pier_store_layer_unpack_options (PierStore *store)
{
  PierUnpackOptions options = {
    .mode = PIER_UNPACK_OVERLAY,
    .userxattr = store->rootless,
    .preserve_owner = TRUE,
    .devices = store->rootless ? PIER_UNPACK_DEVICES_SKIP : PIER_UNPACK_DEVICES_CREATE,
  };

  return options;
}

char *
pier_store_ensure_layer (PierStore *store, const char *blob_digest, const char *diff_id,
                         GCancellable *cancellable, GError **error)
{
  g_autoptr (PierBlobReader) reader = NULL;
  g_autoptr (PierLayerStream) stream = NULL;
  g_autoptr (PierLock) lock = NULL;
  g_autofree char *work_name = NULL;
  pier_autofd int diff_fd = -1;
  PierUnpackOptions options = pier_store_layer_unpack_options (store);
  int work_fd;

  if (!pier_digest_validate (diff_id, error))
    return NULL;
  if (pier_store_has_layer (store, diff_id))
    {
      g_debug ("layer %s: unpacked already", diff_id);
      return pier_store_get_layer_path (store, diff_id);
    }
  g_debug ("layer %s: not unpacked yet, unpacking blob %s", diff_id, blob_digest);
  work_fd = pier_store_get_work_fd (store, error);
  if (work_fd < 0)
    return NULL;
  reader = pier_blob_reader_open (store->blobs, blob_digest, error);
  if (reader == NULL)
    return NULL;
  work_name = pier_fs_mkdtemp_at (work_fd, "layer", error);
  if (work_name == NULL)
    return NULL;
  {
    g_autofree char *diff = g_build_filename (work_name, "diff", NULL);
    if (mkdirat (work_fd, diff, 0755) < 0)
      {
        pier_set_errno (error, errno, _("creating a layer directory"));
        goto fail;
      }
    diff_fd = pier_fs_open_dir_at (work_fd, diff, error);
    if (diff_fd < 0)
      goto fail;
  }
  stream = pier_layer_stream_new (pier_blob_reader_read, reader);
  if (!pier_layer_unpack (pier_layer_stream_read, stream, diff_fd, &options, NULL, cancellable,
                          error) ||
      !pier_layer_stream_drain (stream, error))
    {
      g_autoptr (GError) corrupt = NULL;
      /* A damaged blob makes a damaged tar: say which, by reading it to its end, where the
       * reader checks the digest. */
      guint8 buf[65536];
      while (pier_blob_reader_read (reader, buf, sizeof buf, &corrupt) > 0)
        ;
      if (corrupt != NULL && corrupt->code == PIER_ERROR_CORRUPT)
        {
          g_clear_error (error);
          g_propagate_error (error, g_steal_pointer (&corrupt));
        }
      g_prefix_error (error, _("unpacking layer %s: "), blob_digest);
      goto fail;
    }
  if (strcmp (pier_layer_stream_get_diff_id (stream), diff_id) != 0)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_CORRUPT,
                   _("layer %s unpacks to %s, not to the diff_id %s its image names"), blob_digest,
                   pier_layer_stream_get_diff_id (stream), diff_id);
      goto fail;
    }
  lock = pier_store_lock (store, cancellable, error);
  if (lock == NULL ||
      !pier_store_commit_layer (store, work_name, diff_id,
                                pier_layer_stream_get_uncompressed_size (stream), error))
    goto fail;
  return pier_store_get_layer_path (store, diff_id);

fail:
  pier_fs_rm_rf_at (work_fd, work_name, NULL);
  return NULL;
}

/* ---- garbage collection and verification ---- */

static void
mark_image (PierStore *store, const char *manifest_digest, GHashTable *blobs, GHashTable *layers)
{
  g_autoptr (PierManifest) manifest = NULL;
  g_autoptr (PierImageConfig) config = NULL;

  g_hash_table_add (blobs, g_strdup (manifest_digest));
  manifest = pier_store_read_manifest (store, manifest_digest, NULL);
  if (manifest == NULL)
    return;
  g_hash_table_add (blobs, g_strdup (manifest->config->digest));
  for (guint i = 0; i < manifest->layers->len; i++)
    g_hash_table_add (blobs, g_strdup (((PierDescriptor *) manifest->layers->pdata[i])->digest));
  config = pier_store_read_config (store, manifest->config->digest, NULL);
  if (config == NULL)
    return;
  for (guint i = 0; i < config->diff_ids->len; i++)
    g_hash_table_add (layers, g_strdup (pier_digest_hex (config->diff_ids->pdata[i])));
}

GPtrArray *
pier_store_collect_garbage (PierStore *store, GError **error)
{
  g_autoptr (PierIndex) index = pier_store_read_index (store, error);
  g_autoptr (GHashTable) blobs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GHashTable) layers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GPtrArray) present = NULL;
  g_autoptr (GPtrArray) removed = g_ptr_array_new_with_free_func (g_free);
  DIR *dir;
  struct dirent *de;

  if (index == NULL)
    return NULL;
  for (guint i = 0; i < index->manifests->len; i++)
    mark_image (store, ((PierDescriptor *) index->manifests->pdata[i])->digest, blobs, layers);
  present = pier_blob_store_list (store->blobs);
  for (guint i = 0; i < present->len; i++)
    if (!g_hash_table_contains (blobs, present->pdata[i]))
      {
        if (!pier_blob_store_remove (store->blobs, present->pdata[i], error))
          return NULL;
        g_ptr_array_add (removed, g_strdup (present->pdata[i]));
      }
  dir = pier_fs_opendir_at (store->layers_fd);
  if (dir == NULL)
    {
      pier_set_errno (error, errno, _("listing layers"));
      return NULL;
    }
  while ((de = readdir (dir)) != NULL)
    {
      g_autofree char *diff_id = g_strconcat (PIER_DIGEST_PREFIX, de->d_name, NULL);
      if (!pier_digest_is_valid (diff_id) || g_hash_table_contains (layers, de->d_name))
        continue;
      if (!pier_fs_rm_rf_at (store->layers_fd, de->d_name, error))
        {
          closedir (dir);
          return NULL;
        }
      g_ptr_array_add (removed, g_steal_pointer (&diff_id));
    }
  closedir (dir);
  return g_steal_pointer (&removed);
}

static gboolean
verify_blob (PierStore *store, const char *digest, GError **error)
{
  g_autoptr (PierBlobReader) reader = pier_blob_reader_open (store->blobs, digest, error);
  g_autofree guint8 *buf = g_malloc (1 << 20);
  gssize n;

  if (reader == NULL)
    return FALSE;
  while ((n = pier_blob_reader_read (reader, buf, 1 << 20, error)) > 0)
    ;
  return n == 0;
}

gboolean
pier_store_verify (PierStore *store, GError **error)
{
  g_autoptr (PierIndex) index = pier_store_read_index (store, error);

  if (index == NULL)
    return FALSE;
  for (guint i = 0; i < index->manifests->len; i++)
    {
      PierDescriptor *entry = index->manifests->pdata[i];
      g_autoptr (PierManifest) manifest = pier_store_read_manifest (store, entry->digest, error);
      g_autoptr (PierImageConfig) config = NULL;

      if (manifest == NULL)
        return FALSE;
      config = pier_store_read_config (store, manifest->config->digest, error);
      if (config == NULL)
        return FALSE;
      if (config->diff_ids->len != manifest->layers->len)
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_CORRUPT,
                       _("image %s has %u layers but %u diff_ids"), manifest->config->digest,
                       manifest->layers->len, config->diff_ids->len);
          return FALSE;
        }
      for (guint l = 0; l < manifest->layers->len; l++)
        if (!verify_blob (store, ((PierDescriptor *) manifest->layers->pdata[l])->digest, error))
          return FALSE;
    }
  return TRUE;
}
