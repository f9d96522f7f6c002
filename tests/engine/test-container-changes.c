/* diff on synthetic sandbox layers; commit and export of a real container. Whiteouts are
 * device nodes and containers need root: CI runs this as root. */
#include "test-support.h"

#include "pier-container-changes.h"
#include "pier-error.h"
#include "pier-fsutil.h"

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

static PierContainer *
run_container (PierStore *store, const char *script)
{
  g_autoptr (GError) error = NULL;
  const char *command[] = { "sh", "-c", script, NULL };
  PierContainerOptions options = { .image = "busybox", .command = command, .network_set = TRUE,
                                   .network = PIER_NETWORK_NONE };
  PierContainer *c = pier_store_create_container (store, &options, &error);
  int code = -1;

  pier_assert_no_error (error);
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
  g_autofree char *root = g_build_filename (f->dir, "root", NULL);
  g_autofree char *run = g_build_filename (f->dir, "run", NULL);
  g_autoptr (PierStore) store = pier_store_open (root, run, &error);
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

int
main (void)
{
#define CASE(name) cmocka_unit_test_setup_teardown (name, setup, teardown)
  const struct CMUnitTest tests[] = {
    CASE (test_container_changes_lists_a_c_d_like_docker_diff),
    CASE (test_container_changes_commit_and_export),
  };
#undef CASE
  return cmocka_run_group_tests_name ("container-changes", tests, NULL, NULL);
}
