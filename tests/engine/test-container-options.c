/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "test-support.h"

#include "pier-container-options.h"
#include "pier-error.h"

#include <math.h>
#include <string.h>

static void
expect_refused (const PierContainerOptions *o, const char *expected)
{
  g_autoptr (GError) error = NULL;

  if (pier_container_options_check (o, &error))
    fail_msg ("accepted, expected “%s”", expected);
  pier_assert_error (error, PIER_ERROR_INVALID);
  if (strstr (error->message, expected) == NULL)
    fail_msg ("“%s” not in: %s", expected, error->message);
}

static void
test_container_options_refuse_what_the_record_cannot_keep (void **state)
{
  const char *const command[] = { "sh", "-c", "rm -rf \"/data/$1\"", "sh", "caf\xe9", NULL };
  const char *const env[] = { "A=1", "B=caf\xe9", NULL };
  const char *const volume[] = { "/tmp/caf\xe9:/data", NULL };
  PierContainerOptions o = { .image = "busybox" };

  o.command = command;
  expect_refused (&o, "the command's argument 4, “caf\\xe9”, is not valid UTF-8 text");
  o.command = NULL;
  o.env = env;
  expect_refused (&o, "“B=caf\\xe9”");
  o.env = NULL;
  o.volumes = volume;
  expect_refused (&o, "the volume “/tmp/caf\\xe9:/data”");
  o.volumes = NULL;
  o.working_dir = "/caf\xe9";
  expect_refused (&o, "the working directory “/caf\\xe9”");
  o.working_dir = NULL;
  o.user = "caf\xe9";
  expect_refused (&o, "the user “caf\\xe9”");
}

/* What Docker refuses: an empty variable name; and host names that would break the lines of
 * the container's /etc/hosts. */
static void
test_container_options_refuse_as_docker_does (void **state)
{
  g_autofree char *too_long = g_strnfill (65, 'a'); /* the kernel takes 64 bytes */
  const char *const hostnames[] = { "a\nb", "a b", "", "-a", "a/b", "a\tb", too_long };
  const char *const names[] = { "a\nb", "", "-a", "a/b", "a b" };
  PierContainerOptions o = { .image = "busybox" };

  for (gsize i = 0; i < G_N_ELEMENTS (hostnames); i++)
    {
      g_autofree char *quoted = pier_error_quote (hostnames[i]);
      o.hostname = hostnames[i];
      expect_refused (&o, quoted);
    }
  o.hostname = NULL;
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *quoted = pier_error_quote (names[i]);
      o.name = names[i];
      expect_refused (&o, quoted);
    }
  o.name = NULL;
  o.env = (const char *const[]){ "=x", NULL };
  expect_refused (&o, "invalid environment variable “=x”: the name is empty");
  o.env = (const char *const[]){ "", NULL };
  expect_refused (&o, "the name is empty");
  o.env = NULL;

  too_long[64] = '\0';
  o.hostname = too_long;
  assert_true (pier_container_options_check (&o, NULL));
  o.hostname = "web-1.example_host";
  o.name = "web.1_a-b";
  o.env = (const char *const[]){ "A=", "B==x", "C", "weird name=ok", NULL };
  assert_true (pier_container_options_check (&o, NULL));
}

/* Limits given through the engine's API (the window's form, a front end's parser) are checked
 * there too. */
static void
test_container_options_refuse_limits (void **state)
{
  PierContainerOptions o = { .image = "busybox" };

  o.cpus = NAN;
  expect_refused (&o, "invalid CPU limit nan");
  o.cpus = INFINITY;
  expect_refused (&o, "invalid CPU limit inf");
  o.cpus = 0.001;
  expect_refused (&o, "invalid CPU limit 0.001");
  o.cpus = 0;
  o.memory_bytes = 1024;
  expect_refused (&o, "invalid memory limit 1024 bytes");
  o.memory_bytes = G_MAXUINT64;
  expect_refused (&o, "invalid memory limit 18446744073709551615 bytes");
  o.memory_bytes = PIER_CONTAINER_MEMORY_MIN;
  o.cpus = 0.5;
  assert_true (pier_container_options_check (&o, NULL));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_container_options_refuse_what_the_record_cannot_keep),
    cmocka_unit_test (test_container_options_refuse_as_docker_does),
    cmocka_unit_test (test_container_options_refuse_limits),
  };
  return cmocka_run_group_tests_name ("container-options", tests, NULL, NULL);
}
