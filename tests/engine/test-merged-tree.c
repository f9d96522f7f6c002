/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The merged view of unpacked layers: whiteouts, opaque directories, symlinks resolved inside
 * the tree, walks in order. Whiteouts are device nodes: the fixture needs root. */
#include "test-support.h"

#include "pier-error.h"
#include "pier-merged-tree.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

typedef struct {
  char *dir;
  char *upper;
  char *lower;
  PierMergedTree *tree;
} Fixture;

static void
put (const char *layer, const char *rel, const char *content)
{
  g_autofree char *path = g_build_filename (layer, rel, NULL);
  g_autofree char *parent = g_path_get_dirname (path);

  assert_int_equal (g_mkdir_with_parents (parent, 0755), 0);
  assert_true (g_file_set_contents (path, content, -1, NULL));
}

static void
link_to (const char *layer, const char *rel, const char *target)
{
  g_autofree char *path = g_build_filename (layer, rel, NULL);

  assert_int_equal (symlink (target, path), 0);
}

static void
whiteout (const char *layer, const char *rel)
{
  g_autofree char *path = g_build_filename (layer, rel, NULL);

  assert_int_equal (mknod (path, S_IFCHR | 0, makedev (0, 0)), 0);
}

/*   lower: a/x a/y b -> a  c/z  d/deep/file  loop1 -> loop2 -> loop1
 *   upper: a/y whited out, c opaque holding c/new, e -> /b/x, f */
static int
setup (void **state)
{
  g_autoptr (GError) error = NULL;
  Fixture *f = g_new0 (Fixture, 1);
  const char *layers[3];

  if (geteuid () != 0)
    fail_msg ("whiteouts are device nodes: this test needs root (CI runs as root)");
  f->dir = pier_test_mkdtemp ();
  f->upper = g_build_filename (f->dir, "upper", NULL);
  f->lower = g_build_filename (f->dir, "lower", NULL);
  put (f->lower, "a/x", "x");
  put (f->lower, "a/y", "y");
  link_to (f->lower, "b", "a");
  put (f->lower, "c/z", "z");
  put (f->lower, "d/deep/file", "deep");
  link_to (f->lower, "loop1", "loop2");
  link_to (f->lower, "loop2", "/loop1");
  put (f->upper, "c/new", "new");
  {
    g_autofree char *c = g_build_filename (f->upper, "c", NULL);
    assert_int_equal (lsetxattr (c, "trusted.overlay.opaque", "y", 1, 0), 0);
  }
  {
    g_autofree char *a = g_build_filename (f->upper, "a", NULL);
    assert_int_equal (g_mkdir (a, 0755), 0);
  }
  whiteout (f->upper, "a/y");
  link_to (f->upper, "e", "/b/x");
  put (f->upper, "f", "f");
  layers[0] = f->upper;
  layers[1] = f->lower;
  layers[2] = NULL;
  f->tree = pier_merged_tree_new (layers, FALSE, &error);
  pier_assert_no_error (error);
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  Fixture *f = *state;

  pier_merged_tree_free (f->tree);
  pier_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->upper);
  g_free (f->lower);
  g_free (f);
  return 0;
}

static void
assert_found (Fixture *f, const char *path, gboolean follow, const char *resolved, guint layer)
{
  g_autoptr (GError) error = NULL;
  PierMergedEntry entry;

  if (!pier_merged_tree_lookup (f->tree, path, follow, &entry, &error))
    fail_msg ("%s: %s", path, error->message);
  assert_string_equal (entry.path, resolved);
  assert_int_equal (entry.layer, layer);
  pier_merged_entry_clear (&entry);
}

static void
assert_absent (Fixture *f, const char *path)
{
  g_autoptr (GError) error = NULL;
  PierMergedEntry entry;

  assert_false (pier_merged_tree_lookup (f->tree, path, TRUE, &entry, &error));
  pier_assert_error (error, PIER_ERROR_NOT_FOUND);
}

static void
test_merged_tree_lookup_honours_whiteouts_and_opaque_dirs (void **state)
{
  Fixture *f = *state;

  assert_found (f, "a/x", FALSE, "a/x", 1);
  assert_absent (f, "a/y");
  assert_found (f, "/c/new", FALSE, "c/new", 0);
  assert_absent (f, "c/z");
  assert_found (f, "d/deep/file", FALSE, "d/deep/file", 1);
  assert_found (f, "f", FALSE, "f", 0);
  assert_found (f, "", FALSE, "", 0);
}

static void
test_merged_tree_symlinks_stay_inside (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  PierMergedEntry entry;

  /* Through a directory symlink; a final one followed or not; an absolute target from the
   * tree's root; ".." never above it. */
  assert_found (f, "b/x", FALSE, "a/x", 1);
  assert_found (f, "b", FALSE, "b", 1);
  assert_found (f, "b", TRUE, "a", 0);
  assert_found (f, "e", TRUE, "a/x", 1);
  assert_found (f, "../../../a/x", FALSE, "a/x", 1);
  assert_found (f, "d/deep/../../a/x", FALSE, "a/x", 1);
  assert_false (pier_merged_tree_lookup (f->tree, "loop1", TRUE, &entry, &error));
  assert_non_null (strstr (error->message, "too many levels of symbolic links"));
}

static void
test_merged_tree_resolve_appends_what_is_missing (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autofree char *through_link = pier_merged_tree_resolve (f->tree, "/b/new/dir", &error);
  g_autofree char *existing = pier_merged_tree_resolve (f->tree, "d/deep", &error);
  g_autofree char *whited = pier_merged_tree_resolve (f->tree, "a/y/sub", &error);
  g_autofree char *bad = NULL;

  pier_assert_no_error (error);
  assert_string_equal (through_link, "a/new/dir");
  assert_string_equal (existing, "d/deep");
  assert_string_equal (whited, "a/y/sub");
  bad = pier_merged_tree_resolve (f->tree, "f/under/a/file", &error);
  assert_null (bad);
  assert_non_null (strstr (error->message, "not a directory"));
}

static gboolean
record (const char *path, const PierMergedEntry *entry, gpointer user_data, GError **error)
{
  GString *seen = user_data;

  g_string_append_printf (seen, "%s:%u ", *path ? path : "/", entry->layer);
  return TRUE;
}

static void
test_merged_tree_walk_in_order (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) seen = g_string_new (NULL);
  g_autoptr (GPtrArray) names = NULL;

  assert_true (pier_merged_tree_walk (f->tree, "", FALSE, record, seen, NULL, &error));
  pier_assert_no_error (error);
  assert_string_equal (seen->str, "/:0 a:0 a/x:1 b:1 c:0 c/new:0 d:1 d/deep:1 d/deep/file:1 e:0 "
                                  "f:0 loop1:1 loop2:1 ");
  g_string_truncate (seen, 0);
  /* A walk of a symlinked directory, followed. */
  assert_true (pier_merged_tree_walk (f->tree, "b", TRUE, record, seen, NULL, &error));
  assert_string_equal (seen->str, "a:0 a/x:1 ");
  names = pier_merged_tree_list (f->tree, "c", &error);
  pier_assert_no_error (error);
  assert_int_equal (names->len, 1);
  assert_string_equal (names->pdata[0], "new");
}

/* FROM scratch: a tree of no layers is an empty root directory, where writes resolve. */
static void
test_merged_tree_of_no_layers_is_an_empty_root (void **state)
{
  g_autoptr (GError) error = NULL;
  const char *none[] = { NULL };
  g_autoptr (PierMergedTree) empty = pier_merged_tree_new (none, FALSE, &error);
  g_autoptr (GString) seen = g_string_new (NULL);
  g_autoptr (GPtrArray) names = NULL;
  g_autofree char *root = NULL;
  g_autofree char *file = NULL;
  PierMergedEntry entry;

  (void) state;
  pier_assert_no_error (error);
  assert_true (pier_merged_tree_lookup (empty, "/", TRUE, &entry, &error));
  pier_assert_no_error (error);
  assert_true (S_ISDIR (entry.st.st_mode));
  assert_string_equal (entry.path, "");
  pier_merged_entry_clear (&entry);
  root = pier_merged_tree_resolve (empty, "/", &error);
  file = pier_merged_tree_resolve (empty, "/a/b.txt", &error);
  pier_assert_no_error (error);
  assert_string_equal (root, "");
  assert_string_equal (file, "a/b.txt");
  assert_true (pier_merged_tree_walk (empty, "", FALSE, record, seen, NULL, &error));
  pier_assert_no_error (error);
  assert_string_equal (seen->str, "/:0 ");
  names = pier_merged_tree_list (empty, "/", &error);
  pier_assert_no_error (error);
  assert_int_equal (names->len, 0);
  assert_false (pier_merged_tree_lookup (empty, "/a", TRUE, &entry, &error));
  assert_true (g_error_matches (error, PIER_ERROR, PIER_ERROR_NOT_FOUND));
}

int
main (void)
{
#define CASE(name) cmocka_unit_test_setup_teardown (name, setup, teardown)
  const struct CMUnitTest tests[] = {
    CASE (test_merged_tree_lookup_honours_whiteouts_and_opaque_dirs),
    CASE (test_merged_tree_symlinks_stay_inside),
    CASE (test_merged_tree_resolve_appends_what_is_missing),
    CASE (test_merged_tree_walk_in_order),
    cmocka_unit_test (test_merged_tree_of_no_layers_is_an_empty_root),
  };
#undef CASE
  return cmocka_run_group_tests_name ("merged-tree", tests, NULL, NULL);
}
