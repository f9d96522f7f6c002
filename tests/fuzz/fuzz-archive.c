/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer harness: arbitrary bytes as the archives Pier reads. Each input is unpacked as a
 * layer (plain or gzip, in both modes) into a fresh directory, and loaded as an image archive
 * (docker-archive or OCI layout, plain or gzip) into a store. Whatever the bytes, nothing may
 * crash, nothing may be written outside the directory, and a refusal is a PIER_ERROR with a
 * message a person can read. Built and run by tests/fuzz/run-fuzz.sh archive; meson replays
 * its corpus and regressions on every test run (tests/fuzz/meson.build). */

#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-image-archive.h"
#include "pier-layer-unpack.h"
#include "pier-store-open.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
  const uint8_t *data;
  size_t size;
  size_t pos;
} Input;

static gssize
input_read (gpointer user_data, void *buffer, gsize size, GError **error)
{
  Input *in = user_data;
  gsize n = MIN (size, in->size - in->pos);

  memcpy (buffer, in->data + in->pos, n);
  in->pos += n;
  return n;
}

/* Set up once: a scratch folder with a store and, beside the destinations, a sentinel that
 * must stay alone with them. */
static char *scratch;
static int scratch_fd = -1;
static PierStore *store;
static char *listing_with_dest; /* the scratch folder's names, as they must stay */

static char *
list_names (int fd)
{
  g_autoptr (GPtrArray) names = pier_fs_list_sorted_at (fd, NULL);

  g_assert (names != NULL);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **) names->pdata);
}

static void
remove_scratch (void)
{
  g_clear_object (&store);
  g_clear_pointer (&listing_with_dest, g_free);
  if (scratch != NULL)
    pier_fs_rm_rf_at (AT_FDCWD, scratch, NULL);
}

static void
set_up (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *root = NULL;
  g_autofree char *run = NULL;

  scratch = g_dir_make_tmp ("pier-fuzz-archive-XXXXXX", &error);
  g_assert_no_error (error);
  atexit (remove_scratch);
  scratch_fd = pier_fs_open_dir_at (AT_FDCWD, scratch, &error);
  g_assert_no_error (error);
  g_assert (mkdirat (scratch_fd, "sentinel", 0700) == 0);
  root = g_build_filename (scratch, "store", NULL);
  run = g_build_filename (scratch, "run", NULL);
  store = pier_store_open (root, run, &error);
  g_assert_no_error (error);
  g_assert (mkdirat (scratch_fd, "dest", 0700) == 0);
  listing_with_dest = list_names (scratch_fd);
  g_assert (unlinkat (scratch_fd, "dest", AT_REMOVEDIR) == 0);
}

/* A refusal says why in words: no "(null)" where a reason went missing (unless the input
 * itself spells it, in a name the message quotes). */
static void
check_refusal (const GError *error, const uint8_t *data, size_t size)
{
  g_assert (error != NULL && error->domain == PIER_ERROR && error->message[0] != '\0');
  g_assert (strstr (error->message, "(null)") == NULL || memmem (data, size, "(null)", 6) != NULL);
}

/* The scratch folder holds what it held, and one destination: nothing climbed out. */
static void
check_contained (void)
{
  g_autofree char *names = list_names (scratch_fd);
  g_autofree char *in_sentinel = NULL;
  pier_autofd int fd = openat (scratch_fd, "sentinel", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  g_assert_cmpstr (names, ==, listing_with_dest);
  g_assert (fd >= 0);
  in_sentinel = list_names (fd);
  g_assert_cmpstr (in_sentinel, ==, "");
}

static void
unpack_layer (const uint8_t *data, size_t size, PierUnpackMode mode)
{
  Input in = { data, size, 0 };
  PierUnpackOptions options = { .mode = mode };
  g_autoptr (PierLayerStream) stream = pier_layer_stream_new (input_read, &in);
  g_autoptr (GError) error = NULL;
  pier_autofd int dest = -1;

  g_assert (mkdirat (scratch_fd, "dest", 0700) == 0);
  dest = pier_fs_open_dir_at (scratch_fd, "dest", NULL);
  g_assert (dest >= 0);
  if (!pier_layer_unpack (pier_layer_stream_read, stream, dest, &options, NULL, NULL, &error))
    check_refusal (error, data, size);
  check_contained ();
  g_assert (pier_fs_rm_rf_at (scratch_fd, "dest", NULL));
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  Input in = { data, size, 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) report = NULL;

  if (store == NULL)
    set_up ();
  unpack_layer (data, size, PIER_UNPACK_OVERLAY);
  unpack_layer (data, size, PIER_UNPACK_APPLY);

  report = pier_store_load_archive (store, input_read, &in, NULL, &error);
  if (report == NULL)
    check_refusal (error, data, size);
  for (guint i = 0; report != NULL && i < report->len; i++)
    g_assert (g_str_has_prefix (report->pdata[i], "Loaded image")
              || g_str_has_prefix (report->pdata[i], "Skipped "));
  return 0;
}
