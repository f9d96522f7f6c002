/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "test-support.h"

#include "pier-error.h"
#include "pier-reference.h"

static void
check (const char *text, const char *expected)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PierReference) ref = pier_reference_parse (text, &error);
  g_autofree char *full = NULL;

  pier_assert_no_error (error);
  full = pier_reference_to_string (ref);
  assert_string_equal (full, expected);
}

static void
test_reference_normalises_like_docker (void **state)
{
  check ("busybox", "docker.io/library/busybox:latest");
  check ("busybox:1.36", "docker.io/library/busybox:1.36");
  check ("user/app", "docker.io/user/app:latest");
  check ("docker.io/library/debian:12", "docker.io/library/debian:12");
  check ("localhost/app:1", "localhost/app:1");
  check ("localhost:5000/a/b/c:v1.0-rc_2", "localhost:5000/a/b/c:v1.0-rc_2");
  check ("quay.io/podman/stable", "quay.io/podman/stable:latest");
  check ("my-registry.example:443/x__y.z-w", "my-registry.example:443/x__y.z-w:latest");
  check ("busybox@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
         "docker.io/library/busybox@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void
test_reference_refuses_bad_names (void **state)
{
  const char *bad[] = { "", "UPPER", "a//b", "-lead", "trail-", "a:", "a:-tag", "a@sha256:12",
                        "a:b:c", "a..b", "sp ace", "a/b:tag with space", NULL };

  for (const char **b = bad; *b; b++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (PierReference) ref = pier_reference_parse (*b, &error);
      if (ref != NULL)
        fail_msg ("“%s” was accepted", *b);
      pier_assert_error (error, PIER_ERROR_INVALID);
      assert_non_null (strstr (error->message, "invalid reference"));
    }
}

static void
test_reference_familiar_forms (void **state)
{
  g_autofree char *a = pier_reference_familiar ("docker.io/library/busybox:latest");
  g_autofree char *b = pier_reference_familiar ("docker.io/user/app:1");
  g_autofree char *c = pier_reference_familiar ("localhost/app:1");
  g_autofree char *d = pier_reference_familiar ("docker.io/library/a/b:1");
  g_autofree char *repo = NULL;
  g_autofree char *tag = NULL;

  assert_string_equal (a, "busybox:latest");
  assert_string_equal (b, "user/app:1");
  assert_string_equal (c, "localhost/app:1");
  assert_string_equal (d, "library/a/b:1");
  pier_reference_split_familiar ("localhost:5000/app:2", &repo, &tag);
  assert_string_equal (repo, "localhost:5000/app");
  assert_string_equal (tag, "2");
  g_clear_pointer (&repo, g_free);
  g_clear_pointer (&tag, g_free);
  pier_reference_split_familiar (NULL, &repo, &tag);
  assert_string_equal (repo, "<none>");
  assert_string_equal (tag, "<none>");
}

static void
test_reference_ids (void **state)
{
  assert_true (pier_reference_looks_like_id ("e3b0c4"));
  assert_true (pier_reference_looks_like_id ("sha256:e3b0c4"));
  assert_false (pier_reference_looks_like_id ("busybox"));
  assert_false (pier_reference_looks_like_id ("E3B0"));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_reference_normalises_like_docker),
    cmocka_unit_test (test_reference_refuses_bad_names),
    cmocka_unit_test (test_reference_familiar_forms),
    cmocka_unit_test (test_reference_ids),
  };
  return cmocka_run_group_tests_name ("reference", tests, NULL, NULL);
}
