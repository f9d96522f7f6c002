/* SPDX-License-Identifier: GPL-3.0-or-later */
/* diff on synthetic sandbox layers; commit and export of a real container. Whiteouts are
 * device nodes and containers need root: CI runs this as root. */
#include "test-support.h"

#include "pier-container-changes.h"
#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-store-open.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#define SHIFT 200000

typedef struct {
  char *dir;
  char *upper;
  char *lower;
} Fixture;

static int
setup (void **state)
{
  Fixture *f = g_new0 (Fixture, 1);
  const char *build = g_getenv ("PIER_BUILD_DIR");

  if (geteuid () != 0)
    fail_msg ("whiteouts are device nodes and containers need root (CI runs as root)");
  if (g_getenv ("PIER_MONITOR_PATH") == NULL && build != NULL)
    {
      g_autofree char *monitor = g_build_filename (build, "app", "pier-monitor", NULL);
      g_setenv ("PIER_MONITOR_PATH", monitor, TRUE);
    }
  f->dir = pier_test_mkdtemp ();
  f->upper = g_build_filename (f->dir, "upper", NULL);
  f->lower = g_build_filename (f->dir, "lower", NULL);
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  Fixture *f = *state;

  pier_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->upper);
  g_free (f->lower);
  g_free (f);
  return 0;
}

/* @rel in @layer: a directory when it ends in "/", else a file; owned by @uid. */
static void
make (const char *layer, const char *rel, uid_t uid, mode_t mode)
{
  g_autofree char *path = g_build_filename (layer, rel, NULL);
  g_autofree char *parent = g_path_get_dirname (path);

  assert_int_equal (g_mkdir_with_parents (parent, 0755), 0);
  if (g_str_has_suffix (rel, "/"))
    assert_true (g_mkdir (path, mode) == 0 || errno == EEXIST);
  else
    assert_true (g_file_set_contents (path, rel, -1, NULL));
  assert_int_equal (lchown (path, uid, uid), 0);
  assert_int_equal (chmod (path, mode), 0);
}

static void
test_container_changes_lists_a_c_d_like_docker_diff (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) changes = NULL;
  g_autoptr (GString) listing = g_string_new (NULL);
  const char *lowers[] = { f->lower, NULL };

  for (const char *const *p = (const char *const[]){ "bin/", "bin/ls", "bin/sh", "etc/", "etc/passwd",
                                                     "var/", "var/cache/", "var/lib/", "var/lib/x",
                                                     "srv/", "home/", NULL }; *p; p++)
    make (f->lower, *p, 0, g_str_has_suffix (*p, "/") ? 0755 : 0644);
  /* Copied up with the same metadata (the container's root is SHIFT on the host), only for
   * the runtime's bind targets: no change. */
  make (f->upper, "etc/", SHIFT, 0755);
  make (f->upper, "etc/hosts", SHIFT, 0644);
  make (f->upper, "etc/resolv.conf", SHIFT, 0644);
  /* A deletion, a modification, additions. */
  make (f->upper, "bin/", SHIFT, 0755);
  {
    g_autofree char *ls = g_build_filename (f->upper, "bin/ls", NULL);
    assert_int_equal (mknod (ls, S_IFCHR, makedev (0, 0)), 0);
  }
  make (f->upper, "bin/sh", SHIFT, 0755);
  make (f->upper, "new/", SHIFT, 0755);
  make (f->upper, "new/file", SHIFT + 1000, 0644);
  /* rm -rf /var; mkdir -p /var/foo: an opaque directory. */
  make (f->upper, "var/", SHIFT, 0755);
  make (f->upper, "var/foo/", SHIFT, 0755);
  {
    g_autofree char *var = g_build_filename (f->upper, "var", NULL);
    assert_int_equal (lsetxattr (var, "trusted.overlay.opaque", "y", 1, 0), 0);
  }
  /* chmod of a directory alone is a change. */
  make (f->upper, "srv/", SHIFT, 0700);
  make (f->upper, "home/", SHIFT, 0755);

  changes = pier_layer_changes (f->upper, lowers, FALSE, SHIFT, &error);
  pier_assert_no_error (error);
  for (guint i = 0; i < changes->len; i++)
    {
      PierChange *c = changes->pdata[i];
      g_string_append_printf (listing, "%c %s\n", pier_change_kind_to_char (c->kind), c->path);
    }
  assert_string_equal (listing->str,
                       "C /bin\n"
                       "D /bin/ls\n"
                       "C /bin/sh\n"
                       "A /new\n"
                       "A /new/file\n"
                       "C /srv\n"
                       "C /var\n"
                       "D /var/cache\n"
                       "A /var/foo\n"
                       "D /var/lib\n");
}

/* ---- a real container ---- */

/* The fixture's store, opened. */
static PierStore *
open_store (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *root = g_build_filename (f->dir, "root", NULL);
  g_autofree char *run = g_build_filename (f->dir, "run", NULL);
  PierStore *store = pier_store_open (root, run, &error);

  pier_assert_no_error (error);
  return store;
}

/* A busybox container, without a network, created only. */
static PierContainer *
create_container (PierStore *store, const char *script)
{
  g_autoptr (GError) error = NULL;
  const char *command[] = { "sh", "-c", script, NULL };
  PierContainerOptions options = { .image = "busybox", .command = command, .network_set = TRUE,
                                   .network = PIER_NETWORK_NONE };
  PierContainer *c = pier_store_create_container (store, &options, &error);

  pier_assert_no_error (error);
  return c;
}

static PierContainer *
run_container (PierStore *store, const char *script)
{
  g_autoptr (GError) error = NULL;
  PierContainer *c = create_container (store, script);
  int code = -1;

  assert_true (pier_container_start (store, c, NULL, NULL, &error));
  pier_assert_no_error (error);
  assert_true (pier_container_wait (store, c, &code, &error));
  assert_int_equal (code, 0);
  return c;
}

static gboolean
append (gpointer user_data, const void *data, gsize len, GError **error)
{
  g_byte_array_append (user_data, data, len);
  return TRUE;
}

static void
test_container_changes_commit_and_export (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (PierStore) store = open_store (f);
  g_autoptr (PierContainer) c = NULL;
  g_autoptr (PierImage) image = NULL;
  g_autoptr (GByteArray) tar = g_byte_array_new ();
  g_autoptr (GHashTable) entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  const char *changes[] = { "CMD [\"cat\", \"/etc/motd\"]", "ENV MODE=committed", NULL };
  PierCommitOptions options = { "the message", NULL, changes, "committed:1" };
  struct archive *ar;
  struct archive_entry *entry;
  guint32 owner = G_MAXUINT32;

  pier_assert_no_error (error);
  c = run_container (store, "echo motd > /etc/motd && rm /bin/ls && mkdir /data && "
                            "echo d > /data/f && chown 7:7 /data/f");

  image = pier_container_commit (store, c, &options, NULL, &error);
  pier_assert_no_error (error);
  assert_non_null (image);
  assert_int_equal (image->names->len, 1);
  assert_string_equal (image->config->config.cmd[1], "/etc/motd");
  assert_string_equal (g_environ_getenv (image->config->config.env, "MODE"), "committed");
  {
    guint n = image->config->history->len;
    PierHistoryEntry *layer = image->config->history->pdata[n - 3];
    PierHistoryEntry *cmd = image->config->history->pdata[n - 2];
    assert_string_equal (layer->comment, "the message");
    assert_false (layer->empty_layer);
    assert_string_equal (cmd->created_by, "/bin/sh -c #(nop)  CMD [\"cat\" \"/etc/motd\"]");
    assert_true (cmd->empty_layer);
  }
  {
    /* The committed layer holds the change with the image's owners and the deletion. */
    g_autofree char *layer = pier_store_get_layer_path (store, image->config->diff_ids->pdata[image->config->diff_ids->len - 1]);
    g_autofree char *file = g_build_filename (layer, "data", "f", NULL);
    g_autofree char *ls = g_build_filename (layer, "bin", "ls", NULL);
    struct stat st;
    assert_int_equal (lstat (file, &st), 0);
    assert_int_equal (st.st_uid, 7);
    assert_int_equal (lstat (ls, &st), 0);
    assert_true (S_ISCHR (st.st_mode));
  }

  assert_true (pier_container_export (store, c, append, tar, NULL, &error));
  pier_assert_no_error (error);
  ar = archive_read_new ();
  archive_read_support_format_tar (ar);
  assert_int_equal (archive_read_open_memory (ar, tar->data, tar->len), ARCHIVE_OK);
  while (archive_read_next_header (ar, &entry) == ARCHIVE_OK)
    {
      g_hash_table_add (entries, g_strdup (archive_entry_pathname (entry)));
      if (strcmp (archive_entry_pathname (entry), "data/f") == 0)
        owner = archive_entry_uid (entry);
    }
  archive_read_free (ar);
  assert_true (g_hash_table_contains (entries, "etc/motd"));
  assert_true (g_hash_table_contains (entries, "bin/busybox"));
  assert_false (g_hash_table_contains (entries, "bin/ls"));
  assert_int_equal (owner, 7);
  pier_container_remove (store, c, TRUE, NULL);
}

/* ---- export of what a container's layers hold ---- */

typedef struct {
  char *swap_dir;    /* when set: the first write swaps swap_dir/b for a fifo */
  int fd;
  gboolean swapped;
} ExportSink;

static gboolean
write_sink (gpointer user_data, const void *data, gsize len, GError **error)
{
  ExportSink *sink = user_data;

  if (sink->swap_dir != NULL && !sink->swapped)
    {
      g_autofree char *fifo = g_build_filename (sink->swap_dir, "fifo.tmp", NULL);
      g_autofree char *b = g_build_filename (sink->swap_dir, "b", NULL);
      assert_int_equal (mkfifo (fifo, 0644), 0);
      assert_int_equal (rename (fifo, b), 0);
      sink->swapped = TRUE;
    }
  return pier_fs_write_all (sink->fd, data, len, error);
}

/* In the container's sandbox layer, owned by its root. */
static char *
upper_file (PierStore *store, const PierContainer *c, const char *name, const char *content)
{
  g_autofree char *upper = pier_container_get_upper_dir (store, c);
  char *path = g_build_filename (upper, name, NULL);

  assert_true (g_file_set_contents (path, content, -1, NULL));
  assert_int_equal (chown (path, c->uid_base, c->uid_base), 0);
  return path;
}

static char *
export_to_file (PierStore *store, const PierContainer *c, const char *dir, ExportSink *sink,
                GError **error)
{
  char *path = g_build_filename (dir, "export.tar", NULL);
  gboolean ok;

  sink->fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  assert_true (sink->fd >= 0);
  /* A hang is a failure, not a wait for the suite's timeout. */
  alarm (60);
  ok = pier_container_export (store, c, write_sink, sink, NULL, error);
  alarm (0);
  close (sink->fd);
  if (!ok)
    g_clear_pointer (&path, g_free);
  return path;
}

/* GNU tar's view of @tar: "tar -tv" lines, or with @extract_to, extracted there (xattrs too). */
static char *
gnu_tar (const char *tar, const char *extract_to)
{
  const char *list[] = { "tar", "--xattrs", "--xattrs-include=*", "-tvf", tar, NULL };
  const char *extract[] = { "tar", "--xattrs", "--xattrs-include=*", "-xf", tar, "-C",
                            extract_to, NULL };
  g_autoptr (GError) error = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;
  int status;

  if (!g_spawn_sync (NULL, (char **) (extract_to != NULL ? extract : list), NULL,
                     G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status, &error))
    fail_msg ("tar: %s", error->message);
  if (!g_spawn_check_wait_status (status, NULL))
    fail_msg ("tar failed: %s", err);
  return out;
}

/* A terabyte of holes with four bytes at its end: the export holds the bytes, not the holes,
 * and GNU tar makes the same sparse file of it. */
static void
test_container_changes_export_sparse (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autofree char *out = g_build_filename (f->dir, "out", NULL);
  g_autoptr (PierStore) store = open_store (f);
  g_autoptr (PierContainer) c = create_container (store, "true");
  g_autofree char *big = upper_file (store, c, "big", "");
  g_autofree char *empty = upper_file (store, c, "all-holes", "");
  g_autofree char *tar = NULL;
  g_autofree char *listing = NULL;
  g_autofree char *extracted = NULL;
  ExportSink sink = { 0 };
  const off_t tera = (off_t) 1 << 40;
  struct stat st;

  {
    pier_autofd int fd = open (big, O_WRONLY | O_CLOEXEC);
    assert_true (fd >= 0);
    assert_int_equal (pwrite (fd, "end\n", 4, tera - 4), 4);
    assert_int_equal (truncate (empty, tera), 0);
  }
  tar = export_to_file (store, c, f->dir, &sink, &error);
  pier_assert_no_error (error);
  assert_int_equal (stat (tar, &st), 0);
  assert_true (st.st_size < 4 << 20);
  listing = gnu_tar (tar, NULL);
  assert_non_null (strstr (listing, " 1099511627776 "));

  assert_int_equal (mkdir (out, 0755), 0);
  g_free (gnu_tar (tar, out));
  extracted = g_build_filename (out, "big", NULL);
  assert_int_equal (stat (extracted, &st), 0);
  assert_int_equal (st.st_size, tera);
  assert_true (st.st_blocks < 1024);
  {
    pier_autofd int fd = open (extracted, O_RDONLY | O_CLOEXEC);
    char end[4];
    assert_int_equal (pread (fd, end, 4, tera - 4), 4);
    assert_memory_equal (end, "end\n", 4);
  }
  g_free (extracted);
  extracted = g_build_filename (out, "all-holes", NULL);
  assert_int_equal (stat (extracted, &st), 0);
  assert_int_equal (st.st_size, tera);
  assert_true (st.st_blocks < 1024);
  pier_container_remove (store, c, TRUE, NULL);
}

/* A v2 security.capability granting CAP_NET_BIND_SERVICE, effective. */
static const guint8 net_bind_capability[20] = { 0x01, 0x00, 0x00, 0x02, 0x00, 0x04 };

/* What the layers keep, export keeps: extended attributes (file capabilities among them) and
 * the device nodes of a root filesystem. */
static void
test_container_changes_export_xattrs_and_devices (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (PierStore) store = open_store (f);
  g_autoptr (PierContainer) c = create_container (store, "true");
  g_autofree char *tool = upper_file (store, c, "tool", "#!/bin/sh\n");
  g_autofree char *upper = pier_container_get_upper_dir (store, c);
  g_autofree char *null_dev = g_build_filename (upper, "null", NULL);
  g_autofree char *tar = NULL;
  ExportSink sink = { 0 };
  struct archive *ar;
  struct archive_entry *entry;
  gboolean saw_tool = FALSE, saw_null = FALSE;

  assert_int_equal (setxattr (tool, "security.capability", net_bind_capability,
                              sizeof net_bind_capability, 0), 0);
  assert_int_equal (setxattr (tool, "user.note", "kept", 4, 0), 0);
  assert_int_equal (mknod (null_dev, S_IFCHR | 0666, makedev (1, 3)), 0);
  tar = export_to_file (store, c, f->dir, &sink, &error);
  pier_assert_no_error (error);

  ar = archive_read_new ();
  archive_read_support_format_tar (ar);
  assert_int_equal (archive_read_open_filename (ar, tar, 10240), ARCHIVE_OK);
  while (archive_read_next_header (ar, &entry) == ARCHIVE_OK)
    {
      const char *name = archive_entry_pathname (entry);
      if (strcmp (name, "tool") == 0)
        {
          const char *xname;
          const void *value;
          size_t size;
          guint found = 0;
          assert_int_equal (archive_entry_xattr_reset (entry), 2);
          while (archive_entry_xattr_next (entry, &xname, &value, &size) == ARCHIVE_OK)
            if ((strcmp (xname, "security.capability") == 0 && size == sizeof net_bind_capability
                 && memcmp (value, net_bind_capability, size) == 0)
                || (strcmp (xname, "user.note") == 0 && size == 4 && memcmp (value, "kept", 4) == 0))
              found++;
          assert_int_equal (found, 2);
          saw_tool = TRUE;
        }
      if (strcmp (name, "null") == 0)
        {
          assert_int_equal (archive_entry_filetype (entry), AE_IFCHR);
          assert_int_equal (archive_entry_rdev (entry), makedev (1, 3));
          saw_null = TRUE;
        }
    }
  archive_read_free (ar);
  assert_true (saw_tool && saw_null);
  pier_container_remove (store, c, TRUE, NULL);
}

/* A file swapped for a fifo after the walk looked at it and before it is read: the export
 * neither hangs nor writes the fifo's nothing as the file. */
static void
test_container_changes_export_fifo_swap (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (PierStore) store = open_store (f);
  g_autoptr (PierContainer) c = create_container (store, "true");
  g_autofree char *big = g_strnfill (256 * 1024, 'a');
  g_autofree char *a = upper_file (store, c, "a", big);
  g_autofree char *b = upper_file (store, c, "b", "b");
  g_autofree char *upper = pier_container_get_upper_dir (store, c);
  g_autofree char *tar = NULL;
  ExportSink sink = { .swap_dir = upper };

  tar = export_to_file (store, c, f->dir, &sink, &error);
  assert_true (sink.swapped);
  assert_null (tar);
  assert_non_null (error);
  assert_non_null (strstr (error->message, "/b"));
  assert_non_null (strstr (error->message, "not a regular file"));
  pier_container_remove (store, c, TRUE, NULL);
}

int
main (void)
{
#define CASE(name) cmocka_unit_test_setup_teardown (name, setup, teardown)
  const struct CMUnitTest tests[] = {
    CASE (test_container_changes_lists_a_c_d_like_docker_diff),
    CASE (test_container_changes_commit_and_export),
    CASE (test_container_changes_export_sparse),
    CASE (test_container_changes_export_xattrs_and_devices),
    CASE (test_container_changes_export_fifo_swap),
  };
#undef CASE
  return cmocka_run_group_tests_name ("container-changes", tests, NULL, NULL);
}
