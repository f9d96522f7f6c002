/* Runs a libFuzzer harness without libFuzzer, for `meson test`: every file of the directories
 * given (the kept corpus, the regressions), then a seeded batch of inputs made of the tokens
 * its parsers care about, the same batch on every run. The harness's g_assert()s decide. */

#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define GENERATED 50000

static const char *const tokens[] = {
  "0", "1", "5", "9", "00", "512", "1024", "8191", "9223372036854775807", "18446744073709551616",
  "99999999999999999999", ".", ".5", "0.001", "123456789", "k", "m", "g", "t", "p", "K", "G",
  "b", "B", "i", "ib", "iB", "e", "e30", "x", "0x", "-", "+", " ", "\t", "\n", "nan", "inf",
  "NaN", "=", "_", "a", "Z", "/", "\xff", "\xe9", "\xc3\xa9", "\xe2\x9c\x93", "\xf0\x9f",
  "\xed\xa0\x80", "\xc0\xaf", "\\", "\"", "\x01", "\x7f",
};

static guint
replay_directory (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;
  guint n = 0;

  if (dir == NULL)
    {
      fprintf (stderr, "cannot open the corpus %s\n", path);
      exit (1);
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = g_build_filename (path, name, NULL);
      g_autofree char *data = NULL;
      gsize length;

      if (!g_file_get_contents (file, &data, &length, NULL))
        {
          fprintf (stderr, "cannot read %s\n", file);
          exit (1);
        }
      LLVMFuzzerTestOneInput ((const uint8_t *) data, length);
      n++;
    }
  return n;
}

int
main (int argc, char **argv)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (12);
  guint files = 0;

  for (int i = 1; i < argc; i++)
    files += replay_directory (argv[i]);
  if (files == 0)
    {
      fprintf (stderr, "no corpus: give the directories to replay\n");
      return 1;
    }
  for (guint i = 0; i < GENERATED; i++)
    {
      GString *input = g_string_new (NULL);
      guint n = g_rand_int_range (rand, 1, 8);

      for (guint t = 0; t < n; t++)
        g_string_append (input, tokens[g_rand_int_range (rand, 0, G_N_ELEMENTS (tokens))]);
      LLVMFuzzerTestOneInput ((const uint8_t *) input->str, input->len);
      g_string_free (input, TRUE);
    }
  printf ("%u corpus files and %d generated inputs\n", files, GENERATED);
  return 0;
}
