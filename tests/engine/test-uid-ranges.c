/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Id-range claims, in a claims directory and a pool of the test's own: disjoint ranges, other
 * users' entries left alone, a dead claimant's range taken over and a live one's never. */
#include "test-support.h"

#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-uid-ranges.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#define POOL_START 2147483648u

typedef struct {
  char *dir;
  int claims_fd;
  PierUidPool *pool;
} Fixture;

static Fixture *
fixture_new (const char *subuid, const char *subgid)
{
  Fixture *f = g_new0 (Fixture, 1);
  g_autofree char *uid_path = NULL;
  g_autofree char *gid_path = NULL;
  g_autofree char *claims = NULL;
  g_autoptr (GError) error = NULL;

  f->dir = pier_test_mkdtemp ();
  uid_path = g_build_filename (f->dir, "subuid", NULL);
  gid_path = g_build_filename (f->dir, "subgid", NULL);
  claims = g_build_filename (f->dir, "claims", NULL);
  assert_true (g_file_set_contents (uid_path, subuid, -1, NULL));
  assert_true (g_file_set_contents (gid_path, subgid, -1, NULL));
  assert_int_equal (g_mkdir (claims, 0700), 0);
  f->claims_fd = pier_fs_open_dir_at (AT_FDCWD, claims, &error);
  pier_assert_no_error (error);
  f->pool = pier_uid_pool_load (uid_path, gid_path, &error);
  pier_assert_no_error (error);
  return f;
}

static void
fixture_free (Fixture *f)
{
  close (f->claims_fd);
  pier_uid_pool_free (f->pool);
  pier_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f);
}

/* A directory under the fixture's, to keep a claim. */
static char *
make_keeper (Fixture *f, const char *name)
{
  char *path = g_build_filename (f->dir, name, NULL);

  assert_int_equal (g_mkdir (path, 0700), 0);
  return path;
}

static guint32
claim_for (Fixture *f, const char *keeper)
{
  g_autoptr (GError) error = NULL;
  guint32 base = 0, count = 0;

  assert_true (pier_uid_ranges_claim (f->claims_fd, f->pool, keeper, FALSE, &base, &count, &error));
  pier_assert_no_error (error);
  assert_int_equal (count, PIER_UID_RANGE_SIZE);
  return base;
}

static void
test_uid_ranges_neighbours_never_overlap (void **state)
{
  Fixture *f = fixture_new ("containers:2147483648:2147418112\n",
                            "containers:2147483648:2147418112\n");
  guint32 bases[4];

  for (guint i = 0; i < G_N_ELEMENTS (bases); i++)
    {
      g_autofree char *name = g_strdup_printf ("c%u", i);
      g_autofree char *keeper = make_keeper (f, name);
      bases[i] = claim_for (f, keeper);
    }
  /* First come, first served from the bottom, one range after the other: [base, base + 65536)
   * of each ends where the next begins. */
  for (guint i = 0; i < G_N_ELEMENTS (bases); i++)
    assert_int_equal (bases[i], POOL_START + i * PIER_UID_RANGE_SIZE);
  fixture_free (f);
}

static void
test_uid_ranges_skip_other_users_entries_inside_the_pool (void **state)
{
  /* usermod --add-subuids does not look at the "containers" entry: another user's ids can land
   * inside it, in either file. */
  Fixture *f = fixture_new ("containers:2147483648:2147418112\n"
                            "alice:2147549184:10\n",
                            "containers:2147483648:2147418112\n"
                            "bob:2147680000:65536\n");
  g_autofree char *a = make_keeper (f, "a");
  g_autofree char *b = make_keeper (f, "b");
  g_autofree char *c = make_keeper (f, "c");

  assert_int_equal (claim_for (f, a), POOL_START);
  /* alice's 10 ids sit in the second range, bob's straddle the third and fourth. */
  assert_int_equal (claim_for (f, b), POOL_START + 4 * PIER_UID_RANGE_SIZE);
  assert_int_equal (claim_for (f, c), POOL_START + 5 * PIER_UID_RANGE_SIZE);
  fixture_free (f);
}

static void
test_uid_ranges_directory_keeps_its_claim (void **state)
{
  Fixture *f = fixture_new ("containers:2147483648:2147418112\n",
                            "containers:2147483648:2147418112\n");
  g_autofree char *one = make_keeper (f, "one");
  g_autofree char *two = make_keeper (f, "two");
  g_autofree char *three = make_keeper (f, "three");
  g_autofree char *four = make_keeper (f, "four");
  guint32 b1 = claim_for (f, one), b2 = claim_for (f, two);

  /* A container removed without giving its range back (its store deleted, a crash): the next
   * claim takes it over. */
  assert_int_equal (g_rmdir (one), 0);
  assert_int_equal (claim_for (f, three), b1);
  /* Only the keeper gives a range back. */
  pier_uid_ranges_release (f->claims_fd, b2, three);
  assert_int_equal (claim_for (f, four), POOL_START + 2 * PIER_UID_RANGE_SIZE);
  pier_uid_ranges_release (f->claims_fd, b2, two);
  assert_int_equal (claim_for (f, two), b2);
  fixture_free (f);
}

/* In a holder process: a claim, its base for the reply. */
static gboolean
take_claim (int reply_fd, gpointer data)
{
  Fixture *f = data;
  /* Kept until the holder is killed. */
  PierUidClaim *claim = pier_uid_ranges_claim_held (f->claims_fd, f->pool, NULL);

  return claim != NULL && write (reply_fd, &claim->base, sizeof claim->base) == sizeof claim->base;
}

static void
test_uid_ranges_dead_holders_claim_is_taken_over (void **state)
{
  Fixture *f = fixture_new ("containers:2147483648:2147418112\n",
                            "containers:2147483648:2147418112\n");
  g_autoptr (GError) error = NULL;
  g_autoptr (PierUidClaim) mine = NULL;
  guint32 held = 0;
  pid_t holder = pier_test_spawn_holder (take_claim, f, &held, sizeof held);

  assert_int_equal (held, POOL_START);
  /* Alive, it keeps its range. */
  mine = pier_uid_ranges_claim_held (f->claims_fd, f->pool, &error);
  pier_assert_no_error (error);
  assert_int_equal (mine->base, POOL_START + PIER_UID_RANGE_SIZE);
  g_clear_pointer (&mine, pier_uid_claim_free);
  /* kill -9: nothing of it runs to give the range back, its claim is taken over. */
  assert_int_equal (kill (holder, SIGKILL), 0);
  assert_int_equal (waitpid (holder, NULL, 0), holder);
  mine = pier_uid_ranges_claim_held (f->claims_fd, f->pool, &error);
  pier_assert_no_error (error);
  assert_int_equal (mine->base, POOL_START);
  /* Freed, the range goes back at once. */
  g_clear_pointer (&mine, pier_uid_claim_free);
  mine = pier_uid_ranges_claim_held (f->claims_fd, f->pool, &error);
  pier_assert_no_error (error);
  assert_int_equal (mine->base, POOL_START);
  g_clear_pointer (&mine, pier_uid_claim_free);
  fixture_free (f);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_uid_ranges_neighbours_never_overlap),
    cmocka_unit_test (test_uid_ranges_skip_other_users_entries_inside_the_pool),
    cmocka_unit_test (test_uid_ranges_directory_keeps_its_claim),
    cmocka_unit_test (test_uid_ranges_dead_holders_claim_is_taken_over),
  };
  return cmocka_run_group_tests_name ("uid-ranges", tests, NULL, NULL);
}
