/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-builtin-images.h"

#include "pier-blob-store.h"
#include "pier-digest.h"
#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"
#include "pier-image-store.h"
#include "pier-reference.h"
#include "pier-tar-writer-private.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

/* In the store's root: the diff_id of its own host layer, the one whose containers get the
 * host's /usr. */
#define HOST_LAYER_RECORD "host-usr-layer"
/* In that layer, under /usr (so hidden by the host's /usr at run time): random bytes that make
 * the layer this store's own, which no image from a registry or an archive can reproduce. */
#define HOST_LAYER_NONCE "usr/.pier-host-layer"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static const char etc_passwd[] =
  "root:x:0:0:root:/root:/bin/sh\n"
  "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
static const char etc_group[] =
  "root:x:0:\n"
  "nogroup:x:65534:\n";
static const char etc_nsswitch[] =
  "passwd: files\n"
  "group: files\n"
  "shadow: files\n"
  "hosts: files dns\n";
/* Fontconfig finds the host's fonts under /usr and caches in the container's own /tmp. */
static const char etc_fonts_conf[] =
  "<?xml version=\"1.0\"?>\n"
  "<!DOCTYPE fontconfig SYSTEM \"urn:fontconfig:fonts.dtd\">\n"
  "<fontconfig>\n"
  "  <dir>/usr/share/fonts</dir>\n"
  "  <dir>/usr/local/share/fonts</dir>\n"
  "  <include ignore_missing=\"yes\">/usr/share/fontconfig/conf.avail/60-latin.conf</include>\n"
  "  <cachedir>/tmp/fontconfig</cachedir>\n"
  "</fontconfig>\n";

typedef struct {
  const char *name;
  mode_t mode;
} SkeletonDir;

/* The directories every Linux root has; /proc, /sys and /dev are mount points. */
static const SkeletonDir skeleton_dirs[] = {
  { "dev", 0755 }, { "etc", 0755 }, { "home", 0755 }, { "proc", 0555 }, { "root", 0700 },
  { "run", 0755 }, { "sys", 0555 }, { "tmp", 01777 }, { "var", 0755 }, { "var/tmp", 01777 },
  { "var/lib", 0755 }, { "var/cache", 0755 }, { "var/log", 0755 },
};

static gboolean
add_skeleton (PierTarWriter *tar, GError **error)
{
  for (gsize i = 0; i < G_N_ELEMENTS (skeleton_dirs); i++)
    if (!pier_tar_writer_add_dir (tar, skeleton_dirs[i].name, skeleton_dirs[i].mode, error))
      return FALSE;
  return pier_tar_writer_add_data (tar, "etc/passwd", 0644, etc_passwd, strlen (etc_passwd), error) &&
         pier_tar_writer_add_data (tar, "etc/group", 0644, etc_group, strlen (etc_group), error) &&
         pier_tar_writer_add_data (tar, "etc/nsswitch.conf", 0644, etc_nsswitch,
                                   strlen (etc_nsswitch), error);
}

/* Writes the layer a @fill function makes as a blob; returns its descriptor (plain tar, so the
 * blob digest is also the diff_id). */
typedef gboolean (*FillLayer) (PierTarWriter *tar, gpointer data, GError **error);

static PierDescriptor *
make_layer (PierStore *store, gint64 mtime, FillLayer fill, gpointer data, GError **error)
{
  g_autoptr (PierBlobWriter) blob = pier_blob_writer_new (pier_store_get_blobs (store), error);
  g_autoptr (PierTarWriter) tar = NULL;
  g_autofree char *digest = NULL;
  guint64 size;

  if (blob == NULL)
    return NULL;
  tar = pier_tar_writer_new (pier_blob_writer_write, blob, mtime);
  if (!fill (tar, data, error) || !pier_tar_writer_finish (tar, error))
    return NULL;
  size = pier_blob_writer_get_size (blob);
  digest = pier_blob_writer_commit (blob, NULL, error);
  if (digest == NULL)
    return NULL;
  return pier_descriptor_new (PIER_MEDIA_OCI_LAYER, digest, size);
}

static PierHistoryEntry *
history_entry (const char *created, const char *created_by, const char *comment,
               gboolean empty_layer)
{
  PierHistoryEntry *e = g_new0 (PierHistoryEntry, 1);
  e->created = g_strdup (created);
  e->created_by = g_strdup (created_by);
  e->comment = g_strdup (comment);
  e->empty_layer = empty_layer;
  return e;
}

static gboolean
add_image (PierStore *store, PierImageConfig *config, PierDescriptor *layer, const char *name,
           GError **error)
{
  g_autoptr (GPtrArray) layers = g_ptr_array_new ();
  g_autoptr (PierReference) ref = pier_reference_parse (name, error);
  g_autofree char *full = NULL;
  g_autoptr (PierImage) image = NULL;

  if (ref == NULL)
    return FALSE;
  full = pier_reference_to_string (ref);
  g_ptr_array_add (config->diff_ids, g_strdup (layer->digest));
  g_ptr_array_add (layers, layer);
  image = pier_store_add_image (store, config, layers, (const char *const[]){ full, NULL }, FALSE,
                                error);
  return image != NULL;
}

/* ---- busybox ---- */

typedef struct {
  int fd;
  guint64 size;
  GStrv applets; /* "usr/bin/awk", ... */
} Busybox;

static gboolean
fill_busybox (PierTarWriter *tar, gpointer data, GError **error)
{
  Busybox *bb = data;
  g_autoptr (GHashTable) dirs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  if (!add_skeleton (tar, error))
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (skeleton_dirs); i++)
    g_hash_table_add (dirs, g_strdup (skeleton_dirs[i].name));
  for (const char *const *d = (const char *const[]){ "bin", "sbin", "usr", "usr/bin", "usr/sbin", NULL }; *d; d++)
    {
      if (!pier_tar_writer_add_dir (tar, *d, 0755, error))
        return FALSE;
      g_hash_table_add (dirs, g_strdup (*d));
    }
  if (!pier_tar_writer_add_stream (tar, "bin/busybox", 0755, bb->size, pier_read_fd,
                                   GINT_TO_POINTER (bb->fd), error))
    return FALSE;
  for (char **a = bb->applets; *a; a++)
    {
      g_autofree char *dir = g_path_get_dirname (*a);
      if (strcmp (*a, "bin/busybox") == 0 || **a == '\0')
        continue;
      if (!g_hash_table_contains (dirs, dir))
        {
          if (!pier_tar_writer_add_dir (tar, dir, 0755, error))
            return FALSE;
          g_hash_table_add (dirs, g_steal_pointer (&dir));
        }
      if (!pier_tar_writer_add_hardlink (tar, *a, "bin/busybox", 0755, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
create_busybox (PierStore *store, GError **error)
{
  Busybox bb = { -1, 0, NULL };
  g_autofree char *out = NULL;
  g_autofree char *version_out = NULL;
  g_autofree char *created = NULL;
  g_autofree char *comment = NULL;
  g_autofree char *created_by = NULL;
  g_autoptr (PierDescriptor) layer = NULL;
  g_autoptr (PierImageConfig) config = pier_image_config_new ();
  struct stat st;
  int status = 0;

  bb.fd = open (PIER_BUSYBOX_PATH, O_RDONLY | O_CLOEXEC);
  if (bb.fd < 0 || fstat (bb.fd, &st) < 0)
    return pier_set_errno (error, errno,
                           _("%s (install Debian's busybox-static: scripts/deps.sh)"),
                           PIER_BUSYBOX_PATH);
  bb.size = st.st_size;
  if (!g_spawn_sync (NULL, (char *[]){ PIER_BUSYBOX_PATH, "--list-full", NULL }, NULL,
                     G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL, &status, error) ||
      !g_spawn_check_wait_status (status, error))
    {
      close (bb.fd);
      g_prefix_error (error, _("listing busybox applets: "));
      return FALSE;
    }
  g_spawn_sync (NULL, (char *[]){ PIER_BUSYBOX_PATH, NULL }, NULL, G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, &version_out, NULL, NULL, NULL);
  bb.applets = g_strsplit (g_strstrip (out), "\n", -1);
  /* The binary's own time stamp for every entry: the same busybox gives the same image id. */
  layer = make_layer (store, st.st_mtime, fill_busybox, &bb, error);
  close (bb.fd);
  g_strfreev (bb.applets);
  if (layer == NULL)
    return FALSE;
  created = pier_oci_timestamp_from_unix (st.st_mtime);
  config->created = g_strdup (created);
  config->config.env = g_strdupv ((char *[]){ DEFAULT_PATH, NULL });
  config->config.cmd = g_strdupv ((char *[]){ "sh", NULL });
  comment = version_out ? g_strndup (version_out, strcspn (version_out, "\n")) : g_strdup ("BusyBox");
  created_by = g_strdup_printf ("/bin/sh -c #(nop) ADD file:%s in / ",
                                pier_digest_hex (layer->digest));
  g_ptr_array_add (config->history, history_entry (created, created_by, comment, FALSE));
  g_ptr_array_add (config->history,
                   history_entry (created, "/bin/sh -c #(nop)  CMD [\"sh\"]", NULL, TRUE));
  return add_image (store, config, layer, "busybox:latest", error);
}

/* ---- host ---- */

static gboolean
fill_host (PierTarWriter *tar, gpointer data, GError **error)
{
  static const char *const usr_links[] = { "bin", "sbin", "lib", "lib32", "lib64", "libx32" };
  const char *nonce = data;

  if (!add_skeleton (tar, error) || !pier_tar_writer_add_dir (tar, "usr", 0755, error) ||
      !pier_tar_writer_add_data (tar, HOST_LAYER_NONCE, 0644, nonce, strlen (nonce), error) ||
      !pier_tar_writer_add_dir (tar, "etc/fonts", 0755, error) ||
      !pier_tar_writer_add_data (tar, "etc/fonts/fonts.conf", 0644, etc_fonts_conf,
                                 strlen (etc_fonts_conf), error))
    return FALSE;
  /* The host's merged-/usr links, as the host has them, so that paths like /bin/sh and the
   * ELF interpreter /lib64/ld-linux-x86-64.so.2 resolve inside /usr. */
  for (gsize i = 0; i < G_N_ELEMENTS (usr_links); i++)
    {
      g_autofree char *path = g_strconcat ("/", usr_links[i], NULL);
      g_autofree char *target = g_file_read_link (path, NULL);
      if (target != NULL && g_str_has_prefix (target, "usr/") &&
          !pier_tar_writer_add_symlink (tar, usr_links[i], target, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
create_host (PierStore *store, GError **error)
{
  g_autoptr (PierImageConfig) config = pier_image_config_new ();
  g_autoptr (PierDescriptor) layer = NULL;
  g_autofree char *created = NULL;
  g_autofree char *created_by = NULL;
  g_autofree char *os_release = NULL;
  g_autofree char *comment = NULL;
  g_autoptr (GString) nonce = g_string_new (NULL);
  g_autofree char *record = NULL;
  g_autoptr (GError) local_error = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  guint8 random[16];

  if (getrandom (random, sizeof random, 0) != sizeof random)
    return pier_set_errno (error, errno, _("drawing random bytes for the host layer"));
  for (gsize i = 0; i < sizeof random; i++)
    g_string_append_printf (nonce, "%02x", random[i]);
  g_string_append_c (nonce, '\n');
  layer = make_layer (store, now, fill_host, nonce->str, error);
  if (layer == NULL)
    return FALSE;
  /* Recorded before the image exists: no moment when host:latest is there without its /usr.
   * Only where no record is yet: of two processes upgrading one store, one makes the image. */
  record = g_strconcat (layer->digest, "\n", NULL);
  if (!pier_fs_create_atomic_at (pier_store_get_root_fd (store), HOST_LAYER_RECORD, record,
                                 strlen (record), 0644, &local_error))
    {
      if (g_error_matches (local_error, PIER_ERROR, PIER_ERROR_EXISTS))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  created = pier_oci_timestamp_from_unix (now);
  config->created = g_strdup (created);
  config->config.env = g_strdupv ((char *[]){ DEFAULT_PATH, NULL });
  config->config.cmd = g_strdupv ((char *[]){ "bash", NULL });
  if (g_file_get_contents ("/etc/os-release", &os_release, NULL, NULL))
    {
      char *pretty = strstr (os_release, "PRETTY_NAME=\"");
      if (pretty != NULL)
        {
          pretty += strlen ("PRETTY_NAME=\"");
          comment = g_strdup_printf ("the host's /usr (%.*s), bound read-only at run time",
                                     (int) strcspn (pretty, "\""), pretty);
        }
    }
  created_by = g_strdup_printf ("/bin/sh -c #(nop) ADD file:%s in / ",
                                pier_digest_hex (layer->digest));
  g_ptr_array_add (config->history,
                   history_entry (created, created_by,
                                  comment ? comment : "the host's /usr, bound read-only at run time",
                                  FALSE));
  g_ptr_array_add (config->history,
                   history_entry (created, "/bin/sh -c #(nop)  CMD [\"bash\"]", NULL, TRUE));
  return add_image (store, config, layer, "host:latest", error);
}

gboolean
pier_builtin_images_create (PierStore *store, GError **error)
{
  return create_busybox (store, error) && create_host (store, error);
}

gboolean
pier_builtin_images_upgrade (PierStore *store, GError **error)
{
  if (faccessat (pier_store_get_root_fd (store), HOST_LAYER_RECORD, F_OK, AT_SYMLINK_NOFOLLOW) == 0
      || errno != ENOENT)
    return TRUE;
  return create_host (store, error);
}

gboolean
pier_builtin_images_binds_host_usr (PierStore *store, const PierImageConfig *config)
{
  g_autofree char *record = NULL;

  if (config->diff_ids == NULL || config->diff_ids->len == 0
      || !pier_fs_read_all_at (pier_store_get_root_fd (store), HOST_LAYER_RECORD, 256, &record,
                               NULL, NULL))
    return FALSE;
  return strcmp (g_strstrip (record), config->diff_ids->pdata[0]) == 0;
}
