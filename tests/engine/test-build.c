/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The builder: cache keys, COPY/ADD semantics, multi-stage builds, RUN in real containers,
 * failures that leave nothing, heredocs, history read back. Builds need root (layers keep
 * owners; RUN starts containers), as CI runs them. */
#include "test-support.h"

#include "pier-build-private.h"
#include "pier-digest.h"
#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-history.h"
#include "pier-store-open.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

typedef struct {
  char *dir;
  char *ctx;
  PierStore *store;
  GString *output;   /* the progress, as pierctl prints it */
  guint cached;      /* CACHED events */
  guint layers;      /* STEP_DONE events with a layer */
} Fixture;

static int
setup (void **state)
{
  g_autoptr (GError) error = NULL;
  Fixture *f = g_new0 (Fixture, 1);
  g_autofree char *root = NULL;
  g_autofree char *run = NULL;

  if (geteuid () != 0)
    fail_msg ("builds need root: layers keep their owners and RUN starts containers (CI runs as root)");
  pier_test_use_build_monitor ();
  f->dir = pier_test_mkdtemp ();
  f->ctx = g_build_filename (f->dir, "ctx", NULL);
  root = g_build_filename (f->dir, "root", NULL);
  run = g_build_filename (f->dir, "run", NULL);
  g_mkdir (f->ctx, 0755);
  f->store = pier_store_open (root, run, &error);
  pier_assert_no_error (error);
  f->output = g_string_new (NULL);
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  Fixture *f = *state;

  g_clear_object (&f->store);
  pier_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->ctx);
  g_string_free (f->output, TRUE);
  g_free (f);
  return 0;
}

static void
write_file (Fixture *f, const char *rel, const char *content, mode_t mode, gint64 mtime)
{
  g_autofree char *path = g_build_filename (f->ctx, rel, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  struct timespec times[2] = { { mtime, 0 }, { mtime, 0 } };

  assert_int_equal (g_mkdir_with_parents (dir, 0755), 0);
  assert_true (g_file_set_contents (path, content, -1, NULL));
  assert_int_equal (chmod (path, mode), 0);
  if (mtime > 0)
    assert_int_equal (utimensat (AT_FDCWD, path, times, 0), 0);
}

static void
record_event (const PierBuildEvent *event, gpointer user_data)
{
  Fixture *f = user_data;
  g_autofree char *text = pier_build_event_to_text (event);

  g_string_append (f->output, text);
  if (event->type == PIER_BUILD_EVENT_CACHED)
    f->cached++;
  if (event->type == PIER_BUILD_EVENT_STEP_DONE && event->id != NULL && event->text == NULL)
    f->layers++;
}

static PierImage *
build_full (Fixture *f, const char *dockerfile, const char *tag, gboolean no_cache,
            const char *target, GHashTable *args, GError **error)
{
  PierBuildOptions options = { 0 };
  const char *tags[] = { tag, NULL };

  write_file (f, "Dockerfile", dockerfile, 0644, 0);
  g_string_truncate (f->output, 0);
  f->cached = f->layers = 0;
  options.context_dir = f->ctx;
  options.tags = tag ? tags : NULL;
  options.no_cache = no_cache;
  options.target = target;
  options.build_args = args;
  options.network_set = TRUE;
  options.network = PIER_NETWORK_NONE;
  return pier_build (f->store, &options, record_event, f, NULL, error);
}

static PierImage *
build (Fixture *f, const char *dockerfile, GError **error)
{
  return build_full (f, dockerfile, "test:latest", FALSE, NULL, NULL, error);
}

/* The unpacked directory of the image's layer @i (negative: from the top). */
static char *
layer_dir (Fixture *f, const PierImage *image, int i)
{
  guint n = image->config->diff_ids->len;
  guint index = i < 0 ? n + i : (guint) i;

  assert_true (index < n);
  return pier_store_get_layer_path (f->store, image->config->diff_ids->pdata[index]);
}

static void
assert_file (const char *dir, const char *rel, const char *content, mode_t mode, uid_t uid,
             gint64 mtime)
{
  g_autofree char *path = g_build_filename (dir, rel, NULL);
  g_autofree char *data = NULL;
  struct stat st;

  if (lstat (path, &st) < 0)
    fail_msg ("%s is missing", rel);
  if (content != NULL)
    {
      assert_true (g_file_get_contents (path, &data, NULL, NULL));
      assert_string_equal (data, content);
    }
  if ((st.st_mode & 07777) != mode)
    fail_msg ("%s: mode %o, expected %o", rel, st.st_mode & 07777, mode);
  assert_int_equal (st.st_uid, uid);
  if (mtime >= 0)
    assert_int_equal (st.st_mtime, mtime);
}

static gboolean
exists (const char *dir, const char *rel)
{
  g_autofree char *path = g_build_filename (dir, rel, NULL);
  struct stat st;

  return lstat (path, &st) == 0;
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* Everything a build could leave in the store. */
static char *
store_state (Fixture *f)
{
  GString *out = g_string_new (NULL);
  g_autoptr (GPtrArray) blobs = pier_blob_store_list (pier_store_get_blobs (f->store));
  g_autofree char *root = g_strdup (pier_store_get_root (f->store));
  g_autofree char *index = NULL;
  g_autofree char *layers = g_build_filename (root, "layers", NULL);
  g_autofree char *cache = g_build_filename (root, "build-cache", NULL);
  g_autofree char *index_path = g_build_filename (root, "index.json", NULL);
  g_autofree char *records_path = g_build_filename (cache, "records", NULL);
  g_autofree char *records = NULL;
  const char *dirs[] = { layers, cache };

  g_file_get_contents (index_path, &index, NULL, NULL);
  g_string_append (out, index);
  g_file_get_contents (records_path, &records, NULL, NULL);
  g_string_append (out, records ? records : "");
  g_ptr_array_sort (blobs, compare_strings);
  for (guint i = 0; i < blobs->len; i++)
    g_string_append_printf (out, "%s\n", (char *) blobs->pdata[i]);
  for (gsize d = 0; d < G_N_ELEMENTS (dirs); d++)
    {
      g_autoptr (GDir) gd = g_dir_open (dirs[d], 0, NULL);
      const char *name;
      while (gd && (name = g_dir_read_name (gd)) != NULL)
        g_string_append_printf (out, "%s/%s\n", dirs[d], name);
    }
  return g_string_free (out, FALSE);
}

/* ---- cache keys ---- */

static void
test_build_cache_key_depends_on_each_part (void **state)
{
  g_autofree char *key = pier_build_cache_key ("sha256:aa", "RUN make", "pier.dockerfile: RUN make");
  g_autofree char *again = pier_build_cache_key ("sha256:aa", "RUN make", "pier.dockerfile: RUN make");
  g_autofree char *parent = pier_build_cache_key ("sha256:ab", "RUN make", "pier.dockerfile: RUN make");
  g_autofree char *created = pier_build_cache_key ("sha256:aa", "RUN make2", "pier.dockerfile: RUN make");
  g_autofree char *comment = pier_build_cache_key ("sha256:aa", "RUN make", "pier.dockerfile: RUN make2");
  /* Parts never run into each other. */
  g_autofree char *shifted = pier_build_cache_key ("sha256:aaRUN", " make", "pier.dockerfile: RUN make");

  assert_true (pier_digest_is_valid (key));
  assert_string_equal (key, again);
  assert_string_not_equal (key, parent);
  assert_string_not_equal (key, created);
  assert_string_not_equal (key, comment);
  assert_string_not_equal (key, shifted);
}

/* ---- COPY ---- */

static void
test_build_copy_keeps_modes_and_times_owned_by_root (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (PierImage) image = NULL;
  g_autofree char *layer = NULL;

  write_file (f, "app/run", "#!/bin/sh\n", 0750, 1000000000);
  write_file (f, "app/data/conf", "x=1\n", 0640, 1100000000);
  image = build (f, "FROM scratch\nCOPY app /opt/app/\n", &error);
  pier_assert_no_error (error);
  assert_int_equal (image->config->diff_ids->len, 1);
  layer = layer_dir (f, image, 0);
  assert_file (layer, "opt/app/run", "#!/bin/sh\n", 0750, 0, 1000000000);
  assert_file (layer, "opt/app/data/conf", "x=1\n", 0640, 0, 1100000000);
  /* The directory itself is not copied, only what it holds. */
  assert_false (exists (layer, "opt/app/app"));
  assert_non_null (strstr (f->output->str, "Step 2/2 : COPY app /opt/app/"));
}

static void
test_build_copy_dockerignore_and_wildcards (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (PierImage) image = NULL;
  g_autofree char *layer = NULL;

  write_file (f, "src/a.txt", "a", 0644, 0);
  write_file (f, "src/b.txt", "b", 0644, 0);
  write_file (f, "src/c.log", "c", 0644, 0);
  write_file (f, "src/keep.log", "k", 0644, 0);
  write_file (f, "secrets/key", "s", 0600, 0);
  write_file (f, ".dockerignore", "secrets\nsrc/*.log\n!src/keep.log\n", 0644, 0);
  image = build (f, "FROM scratch\nCOPY . /all/\nCOPY src/*.txt /txt/\n", &error);
  pier_assert_no_error (error);
  layer = layer_dir (f, image, 0);
  assert_true (exists (layer, "all/src/a.txt"));
  assert_true (exists (layer, "all/src/keep.log"));
  assert_false (exists (layer, "all/src/c.log"));
  assert_false (exists (layer, "all/secrets"));
  g_free (layer);
  layer = layer_dir (f, image, 1);
  assert_true (exists (layer, "txt/a.txt"));
  assert_true (exists (layer, "txt/b.txt"));
  assert_false (exists (layer, "txt/c.log"));

  /* An ignored file is not in the context at all. */
  g_clear_pointer (&image, pier_image_free);
  image = build (f, "FROM scratch\nCOPY secrets/key /key\n", &error);
  assert_null (image);
  pier_assert_error (error, PIER_ERROR_NOT_FOUND);
  assert_non_null (strstr (error->message, "Dockerfile:2: step 2/2: COPY secrets/key /key: "));
  assert_non_null (strstr (error->message, ".dockerignore"));
  g_clear_error (&error);
  /* Nor is anything outside it. */
  image = build (f, "FROM scratch\nCOPY ../x /x\n", &error);
  assert_null (image);
  pier_assert_error (error, PIER_ERROR_UNSAFE);
}

static void
test_build_copy_chown_chmod_and_destinations (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (PierImage) image = NULL;
  g_autofree char *layer = NULL;

  write_file (f, "one", "1", 0644, 1200000000);
  write_file (f, "two", "2", 0644, 1200000000);
  write_file (f, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n",
              0644, 0);
  write_file (f, "etc/group", "root:x:0:\napp:x:1001:\n", 0644, 0);
  image = build (f,
                 "FROM scratch\n"
                 "COPY etc /etc/\n"
                 "WORKDIR /w\n"
                 "COPY --chown=app:app --chmod=600 one two sub/\n"
                 "COPY --chown=7 one renamed\n",
                 &error);
  pier_assert_no_error (error);
  layer = layer_dir (f, image, -2);
  /* Relative to WORKDIR; several sources into a directory; names resolved in the image. */
  assert_file (layer, "w/sub/one", "1", 0600, 1000, 1200000000);
  assert_file (layer, "w/sub/two", "2", 0600, 1000, 1200000000);
  g_free (layer);
  layer = layer_dir (f, image, -1);
  /* One file to a path that is not a directory: that name. A bare uid is the gid too. */
  assert_file (layer, "w/renamed", "1", 0644, 7, 1200000000);
  {
    g_autofree char *path = g_build_filename (layer, "w/renamed", NULL);
    struct stat st;
    assert_int_equal (lstat (path, &st), 0);
    assert_int_equal (st.st_gid, 7);
  }
  g_clear_pointer (&image, pier_image_free);
  image = build (f, "FROM scratch\nCOPY one two /notadir\n", &error);
  assert_null (image);
  assert_non_null (strstr (error->message, "must be a directory ending in /"));
}

static void
test_build_copy_is_reproducible_and_cached_by_content (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (PierImage) first = NULL;
  g_autoptr (PierImage) again = NULL;
  g_autoptr (PierImage) cached = NULL;
  g_autoptr (PierImage) changed = NULL;
  g_autoptr (PierImage) touched = NULL;
  const char *df = "FROM scratch\nWORKDIR /app\nCOPY f /app/f\nCMD [\"/app/f\"]\n";

  write_file (f, "f", "content", 0755, 1300000000);
  first = build_full (f, df, "r:1", TRUE, NULL, NULL, &error);
  pier_assert_no_error (error);
  assert_int_equal (f->cached, 0);
  again = build_full (f, df, "r:2", TRUE, NULL, NULL, &error);
  pier_assert_no_error (error);
  assert_int_equal (f->cached, 0);
  /* Without the cache, the same context gives the same layers. */
  for (guint i = 0; i < first->config->diff_ids->len; i++)
    assert_string_equal (first->config->diff_ids->pdata[i], again->config->diff_ids->pdata[i]);
  cached = build_full (f, df, "r:3", FALSE, NULL, NULL, &error);
  pier_assert_no_error (error);
  assert_int_equal (f->cached, 3);
  assert_non_null (strstr (f->output->str, "Step 3/4 : COPY f /app/f\n ---> Using cache\n"));
  /* A fully cached build is the very same image. */
  assert_string_equal (cached->id, again->id);

  write_file (f, "f", "CONTENT", 0755, 1300000000);
  changed = build (f, df, &error);
  pier_assert_no_error (error);
  assert_int_equal (f->cached, 1); /* WORKDIR only */
  assert_string_not_equal (changed->config->diff_ids->pdata[1], first->config->diff_ids->pdata[1]);
  write_file (f, "f", "CONTENT", 0755, 1300000001);
  touched = build (f, df, &error);
  pier_assert_no_error (error);
  assert_int_equal (f->cached, 1);
  assert_string_not_equal (touched->config->diff_ids->pdata[1], changed->config->diff_ids->pdata[1]);
}

/* The step records live in one file that builds append to: a line an interrupted append tore
 * off costs nothing but itself, and a file grown past its limit is rewritten with one line a
 * key, the records in use kept. */
static void
test_build_cache_records_survive_a_torn_line_and_compact (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (PierImage) first = NULL;
  g_autoptr (PierImage) cached = NULL;
  g_autoptr (PierImage) after = NULL;
  g_autofree char *path = g_build_filename (pier_store_get_root (f->store), "build-cache",
                                            "records", NULL);
  g_autofree char *data = NULL;
  g_autoptr (GString) grown = NULL;
  const char *df = "FROM scratch\nENV A=1\nCOPY f /f\nCMD [\"/f\"]\n";
  const char *torn = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef {\"cre";
  gsize len;

  write_file (f, "f", "x", 0644, 1300000000);
  first = build (f, df, &error);
  pier_assert_no_error (error);
  assert_true (g_file_get_contents (path, &data, &len, NULL));
  assert_int_equal (len > 0 && data[len - 1] == '\n', TRUE);

  grown = g_string_new (data);
  g_string_append (grown, torn);
  assert_true (g_file_set_contents (path, grown->str, grown->len, NULL));
  cached = build (f, df, &error);
  pier_assert_no_error (error);
  assert_int_equal (f->cached, 3);
  assert_string_equal (cached->id, first->id);

  /* Past 16 MiB of lines (here the same stale one over and over): one line a key is left. */
  g_free (data);
  assert_true (g_file_get_contents (path, &data, &len, NULL));
  g_string_assign (grown, data);
  while (grown->len < 17 * 1024 * 1024)
    g_string_append (grown, "00000000000000000000000000000000000000000000000000000000000000ff "
                            "{\"created\":\"2000-01-01T00:00:00Z\"}\n");
  assert_true (g_file_set_contents (path, grown->str, grown->len, NULL));
  g_clear_pointer (&first, pier_image_free);
  first = build_full (f, df, "other:1", TRUE, NULL, NULL, &error);
  pier_assert_no_error (error);
  g_free (data);
  assert_true (g_file_get_contents (path, &data, &len, NULL));
  if (len > 4096)
    fail_msg ("the records file was not compacted: %" G_GSIZE_FORMAT " bytes", len);
  assert_non_null (strstr (data, "00000000000000000000000000000000000000000000000000000000000000ff "));
  after = build (f, df, &error);
  pier_assert_no_error (error);
  assert_int_equal (f->cached, 3);
  assert_string_equal (after->id, first->id);
}

/* The remembered hash of a context file is keyed by its inode, size and times: a file
 * rewritten in place (same inode, same size) whose mtime is then put back still differs in its
 * ctime, and is hashed again. */
static void
test_build_file_hash_cache_sees_a_rewrite_in_place (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (PierImage) first = NULL;
  g_autoptr (PierImage) second = NULL;
  g_autofree char *path = g_build_filename (f->ctx, "f", NULL);
  g_autofree char *layer = NULL;
  const char *df = "FROM scratch\nCOPY f /f\n";
  struct timespec times[2] = { { 1300000000, 0 }, { 1300000000, 0 } };
  struct stat before, after;
  int fd;

  write_file (f, "f", "version 1", 0644, 1300000000);
  first = build (f, df, &error);
  pier_assert_no_error (error);
  assert_int_equal (lstat (path, &before), 0);

  fd = open (path, O_WRONLY | O_TRUNC | O_CLOEXEC);
  assert_true (fd >= 0);
  assert_int_equal (write (fd, "version 2", 9), 9);
  assert_int_equal (close (fd), 0);
  assert_int_equal (utimensat (AT_FDCWD, path, times, 0), 0);
  assert_int_equal (lstat (path, &after), 0);
  /* What the cache could compare and find equal. */
  assert_int_equal (after.st_ino, before.st_ino);
  assert_int_equal (after.st_size, before.st_size);
  assert_int_equal (after.st_mtim.tv_sec, before.st_mtim.tv_sec);
  assert_int_equal (after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);

  second = build (f, df, &error);
  pier_assert_no_error (error);
  assert_int_equal (f->cached, 0);
  assert_string_not_equal (second->config->diff_ids->pdata[0], first->config->diff_ids->pdata[0]);
  layer = layer_dir (f, second, 0);
  assert_file (layer, "f", "version 2", 0644, 0, 1300000000);
}

static void
test_build_heredocs (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (PierImage) image = NULL;
  g_autofree char *layer = NULL;

  image = build (f,
                 "FROM busybox\n"
                 "ARG WHO=world\n"
                 "COPY <<EOF /etc/greeting\nhello $WHO\nEOF\n"
                 "COPY <<'RAW' <<EOT /docs/\nliteral $WHO\nRAW\nsecond\nEOT\n"
                 "RUN <<EOF\nset -e\necho \"ran as $(id -u)\" > /ran\nEOF\n"
                 "RUN cat <<EOF > /via-shell\nfrom a shell heredoc\nEOF\n"
                 "RUN <<EOF\n#!/bin/sh\necho script > /script\nEOF\n",
                 &error);
  pier_assert_no_error (error);
  layer = layer_dir (f, image, 1);
  assert_file (layer, "etc/greeting", "hello world\n", 0644, 0, -1);
  g_free (layer);
  layer = layer_dir (f, image, 2);
  assert_file (layer, "docs/RAW", "literal $WHO\n", 0644, 0, -1);
  assert_file (layer, "docs/EOT", "second\n", 0644, 0, -1);
  g_free (layer);
  layer = layer_dir (f, image, 3);
  assert_file (layer, "ran", "ran as 0\n", 0644, 0, -1);
  g_free (layer);
  layer = layer_dir (f, image, 4);
  assert_file (layer, "via-shell", "from a shell heredoc\n", 0644, 0, -1);
  g_free (layer);
  layer = layer_dir (f, image, 5);
  assert_file (layer, "script", "script\n", 0644, 0, -1);
}

/* ---- RUN ---- */

static void
test_build_run_layer_has_image_owners_and_whiteouts (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (PierImage) image = NULL;
  g_autofree char *layer = NULL;
  g_autofree char *whiteout = NULL;
  struct stat st;

  image = build (f,
                 "FROM busybox\n"
                 "RUN echo out; echo err >&2; mkdir /data && echo x > /data/f && chown 1000:1000 /data/f"
                 " && rm /bin/ls && mkdir -p /run/kept\n",
                 &error);
  pier_assert_no_error (error);
  assert_non_null (strstr (f->output->str, " ---> Running in "));
  assert_non_null (strstr (f->output->str, "out\n"));
  assert_non_null (strstr (f->output->str, "err\n"));
  layer = layer_dir (f, image, -1);
  assert_file (layer, "data", NULL, 0755, 0, -1);
  assert_file (layer, "data/f", "x\n", 0644, 1000, -1);
  assert_true (exists (layer, "run/kept"));
  whiteout = g_build_filename (layer, "bin/ls", NULL);
  assert_int_equal (lstat (whiteout, &st), 0);
  assert_true (S_ISCHR (st.st_mode) && st.st_rdev == makedev (0, 0));
  /* What the runtime put there for its own binds is not the command's. */
  assert_false (exists (layer, "etc/hosts"));
  assert_false (exists (layer, "etc"));
  /* RUN's created_by is the classic builder's. */
  assert_true (g_str_has_prefix (((PierHistoryEntry *) image->config->history->pdata[image->config->history->len - 1])->created_by,
                                 "/bin/sh -c echo out;"));
}

static void
test_build_run_sees_args_env_workdir_and_user (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (PierImage) image = NULL;
  g_autoptr (GHashTable) args = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *layer = NULL;
  PierHistoryEntry *last;

  g_hash_table_insert (args, "VERSION", "2.0");
  image = build_full (f,
                      "ARG BASE=busybox\n"
                      "FROM $BASE\n"
                      "ARG VERSION=1.0\n"
                      "ENV GREETING=\"hi there\"\n"
                      "WORKDIR /work\n"
                      "USER nobody\n"
                      "RUN echo \"$VERSION $GREETING $(pwd) $(id -un)\" > /tmp/out; cp /tmp/out ./out 2>/dev/null; true\n"
                      "USER root\n"
                      "RUN echo \"$VERSION $GREETING $(pwd) $(id -un)\" > out\n",
                      "t:1", FALSE, NULL, args, &error);
  pier_assert_no_error (error);
  layer = layer_dir (f, image, -1);
  assert_file (layer, "work/out", "2.0 hi there /work root\n", 0644, 0, -1);
  last = image->config->history->pdata[image->config->history->len - 1];
  assert_string_equal (last->created_by, "|1 VERSION=2.0 /bin/sh -c echo \"$VERSION $GREETING $(pwd) $(id -un)\" > out");
  assert_string_equal (last->comment, PIER_HISTORY_COMMENT_PREFIX
                       "RUN echo \"$VERSION $GREETING $(pwd) $(id -un)\" > out");
}

/* ---- stages ---- */

static void
test_build_multi_stage_copy_from_stage_and_image (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (PierImage) image = NULL;
  g_autoptr (PierImage) first = NULL;
  g_autofree char *layer = NULL;

  image = build (f,
                 "FROM busybox AS builder\n"
                 "RUN mkdir -p /out/dir && echo built > /out/dir/result && echo gone > /out/dir/gone\n"
                 "RUN rm /out/dir/gone\n"
                 "FROM scratch\n"
                 "COPY --from=builder /out/dir /result/\n"
                 "COPY --from=busybox /bin/busybox /bin/\n"
                 "COPY --from=0 /out/dir/result /again\n",
                 &error);
  pier_assert_no_error (error);
  assert_non_null (strstr (f->output->str, "Step 7/7 :"));
  assert_int_equal (image->config->diff_ids->len, 3);
  layer = layer_dir (f, image, 0);
  assert_file (layer, "result/result", "built\n", 0644, 0, -1);
  /* The whiteout of the later layer hides the file of the earlier. */
  assert_false (exists (layer, "result/gone"));
  g_free (layer);
  layer = layer_dir (f, image, 1);
  assert_file (layer, "bin/busybox", NULL, 0755, 0, -1);

  /* --target stops at a stage. */
  first = build_full (f,
                      "FROM busybox AS one\nRUN touch /one\n"
                      "FROM one AS two\nRUN touch /two\n",
                      "t:one", FALSE, "one", NULL, &error);
  pier_assert_no_error (error);
  assert_non_null (strstr (f->output->str, "Step 2/2 : RUN touch /one"));
  assert_null (strstr (f->output->str, "touch /two"));
  g_clear_pointer (&image, pier_image_free);
  image = build_full (f, "FROM busybox\nCOPY --from=later /x /x\nFROM busybox AS later\n",
                      "t:bad", FALSE, "0", NULL, &error);
  assert_null (image);
  assert_non_null (strstr (error->message, "only earlier stages"));
}

static double
cpu_seconds (void)
{
  struct rusage usage;

  assert_int_equal (getrusage (RUSAGE_SELF, &usage), 0);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec
         + usage.ru_stime.tv_usec / 1e6;
}

/* Build time grows linearly with the number of instructions. 2,000 ENV lines took 6 s of CPU
 * when every step re-applied every variable; now about a tenth of a second. The bound is on
 * the CPU this process used, which a loaded machine does not inflate as it does wall time. */
static void
test_build_thousands_of_env_lines_take_linear_time (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) dockerfile = g_string_new ("FROM scratch\n");
  g_autoptr (PierImage) image = NULL;
  const guint lines = 2000;
  double start, used;

  for (guint i = 0; i < lines; i++)
    g_string_append_printf (dockerfile, "ENV V%u=value%u\n", i, i);
  start = cpu_seconds ();
  image = build_full (f, dockerfile->str, "lines:latest", TRUE, NULL, NULL, &error);
  used = cpu_seconds () - start;
  pier_assert_no_error (error);
  assert_int_equal (g_strv_length (image->config->config.env), lines);
  assert_string_equal (image->config->config.env[lines - 1], "V1999=value1999");
  assert_int_equal (image->config->history->len, lines);
  if (used > 2.0)
    fail_msg ("%u ENV lines took %.2f s of CPU (linear growth takes about 0.1 s)", lines, used);
}

static void
test_build_workdir_makes_a_layer_only_when_missing (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (PierImage) image = NULL;
  guint base_layers;

  image = build (f, "FROM busybox\nWORKDIR /etc\nWORKDIR /new/dir\nWORKDIR ..\n", &error);
  pier_assert_no_error (error);
  base_layers = image->config->diff_ids->len - 1;
  assert_int_equal (f->layers, 1);
  {
    g_autofree char *layer = layer_dir (f, image, base_layers);
    assert_file (layer, "new/dir", NULL, 0755, 0, -1);
  }
  assert_string_equal (image->config->config.working_dir, "/new");
}

static void
test_build_onbuild_triggers_run_in_the_child (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (PierImage) parent = NULL;
  g_autoptr (PierImage) child = NULL;
  g_autofree char *layer = NULL;

  write_file (f, "payload", "p", 0644, 0);
  parent = build_full (f, "FROM busybox\nONBUILD COPY payload /from-trigger\n", "parent:1", FALSE,
                       NULL, NULL, &error);
  pier_assert_no_error (error);
  assert_non_null (parent->config->config.on_build);
  child = build_full (f, "FROM parent:1\nCMD [\"true\"]\n", "child:1", FALSE, NULL, NULL, &error);
  pier_assert_no_error (error);
  assert_non_null (strstr (f->output->str, "# Executing 1 build trigger\n"));
  layer = layer_dir (f, child, -1);
  assert_file (layer, "from-trigger", "p", 0644, 0, -1);
  assert_null (child->config->config.on_build);
}

/* ---- failures ---- */

static void
test_build_failures_leave_nothing (void **state)
{
  Fixture *f = *state;
  g_autofree char *before = NULL;
  const char *cases[][2] = {
    { "FROM busybox\nCOPY f /f\nRUN echo failing output; exit 3\n",
      "Dockerfile:3: step 3/3: RUN echo failing output; exit 3: the command returned a non-zero code: 3" },
    { "FROM busybox\nCOPY f /f\nCOPY missing /m\n", "Dockerfile:3: step 3/3: COPY missing /m: " },
    { "FROM busybox\nCOPY f /f\nBOGUS x\n", "Dockerfile:3: " },
    { "FROM nosuchimage\nCOPY f /f\n", "Dockerfile:1: step 1/2: FROM nosuchimage: " },
    { "FROM busybox\nCOPY f /f\nADD http://example.com/x /x\n", "is not supported" },
  };

  write_file (f, "f", "data", 0644, 0);
  {
    /* The base's layers unpacked first: that is the base image's, not the build's. */
    g_autoptr (GError) error = NULL;
    g_autoptr (PierImage) base = build_full (f, "FROM busybox\n", "base:1", FALSE, NULL, NULL, &error);
    pier_assert_no_error (error);
  }
  before = store_state (f);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (PierImage) image = build_full (f, cases[i][0], "failing:1", FALSE, NULL, NULL, &error);
      g_autofree char *after = NULL;

      assert_null (image);
      assert_non_null (error);
      if (strstr (error->message, cases[i][1]) == NULL)
        fail_msg ("case %zu: “%s” not in “%s”", i, cases[i][1], error->message);
      after = store_state (f);
      assert_string_equal (after, before);
    }
}

static void
test_build_run_output_of_failing_step_is_shown (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (PierImage) image = build (f, "FROM busybox\nRUN echo the reason; false\n", &error);

  assert_null (image);
  assert_non_null (strstr (f->output->str, "the reason\n"));
  assert_non_null (strstr (error->message, "non-zero code: 1"));
}

/* ---- history ---- */

static void
test_build_history_reads_back_as_the_dockerfile (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (PierImage) image = NULL;
  g_autofree char *text = NULL;
  const char *df = "FROM busybox\n"
                   "MAINTAINER Jane <jane@example.com>\n"
                   "ARG V=1\n"
                   "ENV PATH=\"/app/bin:$PATH\" NAME=\"two words\"\n"
                   "WORKDIR /app\n"
                   "COPY f /app/f-$V\n"
                   "COPY <<EOF /app/note\nversion $V\nEOF\n"
                   "USER nobody\n"
                   "EXPOSE 8080\n"
                   "CMD [\"/app/f-1\"]\n";

  write_file (f, "f", "data", 0644, 0);
  image = build (f, df, &error);
  pier_assert_no_error (error);
  text = pier_history_to_dockerfile (image->config);
  assert_string_equal (text,
                       "FROM busybox\n"
                       "MAINTAINER Jane <jane@example.com>\n"
                       "ARG V=1\n"
                       "ENV PATH=/app/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin NAME=\"two words\"\n"
                       "WORKDIR /app\n"
                       "COPY f /app/f-1\n"
                       "COPY <<\"EOF\" /app/note\nversion 1\nEOF\n"
                       "USER nobody\n"
                       "EXPOSE 8080\n"
                       "CMD [\"/app/f-1\"]\n");
  assert_string_equal (image->config->author, "Jane <jane@example.com>");
  /* An image built elsewhere keeps the classic reading. */
  {
    g_autoptr (PierImageConfig) other = pier_image_config_new ();
    g_autofree char *back = NULL;
    PierHistoryEntry *e = g_new0 (PierHistoryEntry, 1);
    e->created_by = g_strdup ("/bin/sh -c #(nop)  WORKDIR /srv");
    e->comment = g_strdup ("a comment from elsewhere");
    g_ptr_array_add (other->history, e);
    back = pier_history_to_dockerfile (other);
    assert_string_equal (back, "FROM scratch\nWORKDIR /srv\n");
  }
}

/* ---- progress and cancellation ---- */

typedef struct {
  GThread *caller;
  guint events;
  gboolean in_calling_thread;
} ProgressState;

static void
count_event (const PierBuildEvent *event, gpointer user_data)
{
  ProgressState *s = user_data;

  s->events++;
  if (g_thread_self () != s->caller)
    s->in_calling_thread = FALSE;
}

static void
test_build_reports_progress_in_the_calling_thread (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (PierImage) image = NULL;
  ProgressState s = { g_thread_self (), 0, TRUE };
  PierBuildOptions options = { 0 };
  const char *tags[] = { "progress:1", NULL };

  write_file (f, "Dockerfile", "FROM busybox\nWORKDIR /x\nCMD [\"true\"]\n", 0644, 0);
  options.context_dir = f->ctx;
  options.tags = tags;
  image = pier_build (f->store, &options, count_event, &s, NULL, &error);
  pier_assert_no_error (error);
  assert_non_null (image);
  assert_true (s.in_calling_thread);
  /* STEP and STEP_DONE for three steps, and DONE. */
  assert_int_equal (s.events, 7);
}

/* Cancels from a thread of its own once the build says a RUN step runs, as a front end's
 * Cancel button does while the build runs off its main thread. */
typedef struct {
  GCancellable *cancellable;
  GMutex lock;
  GCond changed;
  gboolean running;
} Canceller;

static void
canceller_release (Canceller *c)
{
  g_mutex_lock (&c->lock);
  c->running = TRUE;
  g_cond_signal (&c->changed);
  g_mutex_unlock (&c->lock);
}

static gpointer
cancel_once_running (gpointer user_data)
{
  Canceller *c = user_data;

  g_mutex_lock (&c->lock);
  while (!c->running)
    g_cond_wait (&c->changed, &c->lock);
  g_mutex_unlock (&c->lock);
  g_cancellable_cancel (c->cancellable);
  return NULL;
}

static void
release_when_running (const PierBuildEvent *event, gpointer user_data)
{
  if (event->type == PIER_BUILD_EVENT_RUNNING)
    canceller_release (user_data);
}

static void
test_build_cancel_stops_run_and_leaves_nothing (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  Canceller c = { cancellable };
  PierBuildOptions options = { 0 };
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr (PierImage) image = NULL;
  GThread *thread;
  gint64 start;

  {
    g_autoptr (PierImage) base = build (f, "FROM busybox\n", &error);
    pier_assert_no_error (error);
  }
  write_file (f, "Dockerfile", "FROM busybox\nRUN sleep 60\n", 0644, 0);
  before = store_state (f);
  options.context_dir = f->ctx;
  g_mutex_init (&c.lock);
  g_cond_init (&c.changed);
  thread = g_thread_new ("canceller", cancel_once_running, &c);
  start = g_get_monotonic_time ();
  image = pier_build (f->store, &options, release_when_running, &c, cancellable, &error);
  /* A build that failed before its RUN ran must not leave the canceller waiting. */
  canceller_release (&c);
  g_thread_join (thread);
  g_mutex_clear (&c.lock);
  g_cond_clear (&c.changed);
  assert_null (image);
  pier_assert_error (error, PIER_ERROR_CANCELLED);
  assert_true (g_get_monotonic_time () - start < 20 * G_USEC_PER_SEC);
  after = store_state (f);
  assert_string_equal (after, before);
}

int
main (void)
{
#define CASE(name) cmocka_unit_test_setup_teardown (name, setup, teardown)
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_build_cache_key_depends_on_each_part),
    CASE (test_build_copy_keeps_modes_and_times_owned_by_root),
    CASE (test_build_copy_dockerignore_and_wildcards),
    CASE (test_build_copy_chown_chmod_and_destinations),
    CASE (test_build_copy_is_reproducible_and_cached_by_content),
    CASE (test_build_file_hash_cache_sees_a_rewrite_in_place),
    CASE (test_build_cache_records_survive_a_torn_line_and_compact),
    CASE (test_build_heredocs),
    CASE (test_build_run_layer_has_image_owners_and_whiteouts),
    CASE (test_build_run_sees_args_env_workdir_and_user),
    CASE (test_build_multi_stage_copy_from_stage_and_image),
    CASE (test_build_workdir_makes_a_layer_only_when_missing),
    CASE (test_build_thousands_of_env_lines_take_linear_time),
    CASE (test_build_onbuild_triggers_run_in_the_child),
    CASE (test_build_failures_leave_nothing),
    CASE (test_build_run_output_of_failing_step_is_shown),
    CASE (test_build_history_reads_back_as_the_dockerfile),
    CASE (test_build_reports_progress_in_the_calling_thread),
    CASE (test_build_cancel_stops_run_and_leaves_nothing),
  };
#undef CASE
  return cmocka_run_group_tests_name ("build", tests, NULL, NULL);
}
