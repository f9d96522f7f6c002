/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "test-support.h"

#include "pier-error.h"
#include "pier-oci.h"

#include <string.h>

static char *
read_example (const char *relpath, gsize *len)
{
  g_autofree char *path = pier_test_testdata_path (relpath);
  char *data = NULL;

  if (path == NULL || !g_file_get_contents (path, &data, len, NULL))
    fail_msg ("cannot read %s", relpath);
  return data;
}

static void
test_oci_parses_spec_examples (void **state)
{
  PIER_TEST_REQUIRE_TESTDATA (dir, "image-spec/spec-examples");
  g_autoptr (GError) error = NULL;
  gsize len;
  g_autofree char *config_json = read_example ("image-spec/spec-examples/config/01.json", &len);
  g_autoptr (PierImageConfig) config = pier_image_config_parse (config_json, len, &error);
  g_autofree char *manifest_json = NULL;
  g_autoptr (PierManifest) manifest = NULL;
  g_autofree char *index_json = NULL;
  g_autoptr (PierIndex) index = NULL;
  g_autofree char *nested_json = NULL;
  g_autoptr (PierIndex) nested = NULL;

  pier_assert_no_error (error);
  assert_string_equal (config->config.user, "alice");
  assert_string_equal (config->config.exposed_ports[0], "8080/tcp");
  assert_int_equal (config->diff_ids->len, 2);
  assert_string_equal (config->author, "Alyssa P. Hacker <alyspdev@example.com>");

  manifest_json = read_example ("image-spec/spec-examples/manifest/01.json", &len);
  manifest = pier_manifest_parse (manifest_json, len, &error);
  pier_assert_no_error (error);
  assert_int_equal (manifest->layers->len, 3);
  assert_string_equal (manifest->config->media_type, PIER_MEDIA_OCI_CONFIG);

  index_json = read_example ("image-spec/spec-examples/image-index/01.json", &len);
  index = pier_index_parse (index_json, len, &error);
  pier_assert_no_error (error);
  assert_int_equal (index->manifests->len, 2);
  assert_string_equal (((PierDescriptor *) index->manifests->pdata[0])->platform_architecture, "ppc64le");

  nested_json = read_example ("image-spec/spec-examples/image-layout/02.json", &len);
  nested = pier_index_parse (nested_json, len, &error);
  pier_assert_no_error (error);
  assert_string_equal (pier_descriptor_get_annotation (nested->manifests->pdata[0],
                                                       PIER_ANNOTATION_REF_NAME),
                       "stable-release");
}

static void
test_oci_round_trips (void **state)
{
  g_autoptr (PierImageConfig) config = pier_image_config_new ();
  g_autoptr (PierImageConfig) back = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *json = NULL;
  g_autofree char *again = NULL;
  PierHistoryEntry *e = g_new0 (PierHistoryEntry, 1);

  config->created = g_strdup ("2026-01-02T03:04:05Z");
  config->config.cmd = g_strdupv ((char *[]){ "sh", "-c", "echo \"hi\"", NULL });
  config->config.entrypoint = g_strdupv ((char *[]){ NULL });
  config->config.working_dir = g_strdup ("/app");
  pier_run_config_set_label (&config->config, "b", "2");
  pier_run_config_set_label (&config->config, "a", "1");
  g_ptr_array_add (config->diff_ids,
                   g_strdup ("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
  e->created_by = g_strdup ("/bin/sh -c #(nop) WORKDIR /app");
  e->empty_layer = TRUE;
  g_ptr_array_add (config->history, e);
  json = pier_image_config_to_json (config, &error);
  pier_assert_no_error (error);
  back = pier_image_config_parse (json, strlen (json), &error);
  pier_assert_no_error (error);
  again = pier_image_config_to_json (back, &error);
  pier_assert_no_error (error);
  /* Stable bytes: the same config always hashes the same. */
  assert_string_equal (json, again);
  assert_non_null (back->config.entrypoint);
  assert_null (back->config.entrypoint[0]);
  assert_string_equal (back->config.cmd[2], "echo \"hi\"");
  assert_true (((PierHistoryEntry *) back->history->pdata[0])->empty_layer);
  assert_non_null (strstr (json, "\"Labels\":{\"a\":\"1\",\"b\":\"2\"}"));
}

static void
test_oci_refuses_bad_documents (void **state)
{
  const struct {
    const char *json;
    PierErrorCode code;
  } cases[] = {
    { "not json", PIER_ERROR_INVALID },
    { "[]", PIER_ERROR_INVALID },
    { "{\"schemaVersion\":1}", PIER_ERROR_UNSUPPORTED },
    { "{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:00\",\"size\":1},\"layers\":[]}", PIER_ERROR_INVALID },
    { "{\"schemaVersion\":2,\"config\":{\"size\":1},\"layers\":[]}", PIER_ERROR_INVALID },
    { "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[]}", PIER_ERROR_INVALID },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (PierManifest) m = pier_manifest_parse (cases[i].json, strlen (cases[i].json), &error);
      assert_null (m);
      pier_assert_error (error, cases[i].code);
    }
}

/* An image config keeps every word or says which one it cannot keep. */
static void
test_oci_config_writer_names_what_json_cannot_hold (void **state)
{
  const struct {
    const char *field;
    const char *expected;
  } cases[] = {
    { "Cmd", "Cmd[1] “caf\\xe9”" },
    { "Env", "Env[1] “caf\\xe9”" },
    { "Labels", "Labels.a “caf\\xe9”" },
    { "Labels key", "Labels key “caf\\xe9”" },
    { "WorkingDir", "WorkingDir “caf\\xe9”" },
    { "created_by", "created_by “caf\\xe9”" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (PierImageConfig) config = pier_image_config_new ();
      g_autoptr (GError) error = NULL;
      g_autofree char *json = NULL;
      const char *f = cases[i].field;
      char *words[] = { "x", "caf\xe9", NULL };

      if (strcmp (f, "Cmd") == 0)
        config->config.cmd = g_strdupv (words);
      else if (strcmp (f, "Env") == 0)
        config->config.env = g_strdupv (words);
      else if (strcmp (f, "Labels") == 0)
        pier_run_config_set_label (&config->config, "a", "caf\xe9");
      else if (strcmp (f, "Labels key") == 0)
        pier_run_config_set_label (&config->config, "caf\xe9", "a");
      else if (strcmp (f, "WorkingDir") == 0)
        config->config.working_dir = g_strdup ("caf\xe9");
      else
        {
          PierHistoryEntry *e = g_new0 (PierHistoryEntry, 1);
          e->created_by = g_strdup ("caf\xe9");
          g_ptr_array_add (config->history, e);
        }
      json = pier_image_config_to_json (config, &error);
      assert_null (json);
      pier_assert_error (error, PIER_ERROR_INVALID);
      if (strstr (error->message, cases[i].expected) == NULL)
        fail_msg ("%s: %s", f, error->message);
    }
}

/* A list item that is no string is refused, not left out with the rest shifted into its place;
 * a lone string is a list of one, as in Docker's configs. */
static void
test_oci_config_reader_keeps_every_word (void **state)
{
  const char *bad = "{\"config\":{\"Cmd\":[\"rm\",5,\"-rf\"]},\"rootfs\":{\"diff_ids\":[]}}";
  const char *one = "{\"config\":{\"Cmd\":\"ls\"},\"rootfs\":{\"diff_ids\":[]}}";
  g_autoptr (GError) error = NULL;
  g_autoptr (PierImageConfig) config = pier_image_config_parse (bad, strlen (bad), &error);

  assert_null (config);
  pier_assert_error (error, PIER_ERROR_INVALID);
  assert_non_null (strstr (error->message, "Cmd[1] is not a string"));
  g_clear_error (&error);
  config = pier_image_config_parse (one, strlen (one), &error);
  pier_assert_no_error (error);
  assert_string_equal (config->config.cmd[0], "ls");
  assert_null (config->config.cmd[1]);
}

static void
test_oci_timestamps (void **state)
{
  g_autofree char *t = pier_oci_timestamp_from_unix (1700000000);
  g_autofree char *now = pier_oci_timestamp_now ();

  assert_string_equal (t, "2023-11-14T22:13:20Z");
  assert_int_equal (pier_oci_timestamp_to_unix (t), 1700000000);
  assert_int_equal (pier_oci_timestamp_to_unix ("2015-10-31T22:22:56.015925234Z"), 1446330176);
  assert_true (pier_oci_timestamp_to_unix (now) > 1700000000);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_oci_parses_spec_examples),
    cmocka_unit_test (test_oci_round_trips),
    cmocka_unit_test (test_oci_refuses_bad_documents),
    cmocka_unit_test (test_oci_config_writer_names_what_json_cannot_hold),
    cmocka_unit_test (test_oci_config_reader_keeps_every_word),
    cmocka_unit_test (test_oci_timestamps),
  };
  return cmocka_run_group_tests_name ("oci", tests, NULL, NULL);
}
