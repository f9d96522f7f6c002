/* A libFuzzer harness run over saved inputs without libFuzzer: each argument is a file, or a
 * folder whose files are taken in name order. How meson replays a fuzzer's corpus and its
 * regressions on every test run, with the engine as the suite builds it. */

#include "pier-fsutil.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
replay_file (const char *path, guint *count)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *data = NULL;
  gsize len;

  if (!g_file_get_contents (path, &data, &len, &error))
    g_error ("%s", error->message);
  LLVMFuzzerTestOneInput ((const uint8_t *) data, len);
  (*count)++;
}

int
main (int argc, char **argv)
{
  guint count = 0;

  for (int i = 1; i < argc; i++)
    {
      g_autoptr (GError) error = NULL;
      pier_autofd int fd = -1;
      g_autoptr (GPtrArray) names = NULL;

      if (!g_file_test (argv[i], G_FILE_TEST_IS_DIR))
        {
          replay_file (argv[i], &count);
          continue;
        }
      fd = pier_fs_open_dir_at (AT_FDCWD, argv[i], &error);
      names = fd >= 0 ? pier_fs_list_sorted_at (fd, &error) : NULL;
      if (names == NULL)
        g_error ("%s: %s", argv[i], error->message);
      for (guint k = 0; k < names->len; k++)
        {
          g_autofree char *path = g_build_filename (argv[i], names->pdata[k], NULL);
          replay_file (path, &count);
        }
    }
  if (count == 0)
    g_error ("no input to replay");
  printf ("replayed %u inputs\n", count);
  return 0;
}
