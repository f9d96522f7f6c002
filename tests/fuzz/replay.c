/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A libFuzzer harness run without libFuzzer, for `meson test`: every file given, or every file
 * of a folder given (in name order) — the kept corpus and the regressions — then, with
 * --generate N --dict FILE, a seeded batch of N inputs made of the tokens of the harness's
 * libFuzzer dictionary, the same batch on every run. The harness's own checks decide. */

#include "pier-fsutil.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

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

static void
replay_path (const char *path, guint *count)
{
  g_autoptr (GError) error = NULL;
  pier_autofd int fd = -1;
  g_autoptr (GPtrArray) names = NULL;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      replay_file (path, count);
      return;
    }
  fd = pier_fs_open_dir_at (AT_FDCWD, path, &error);
  names = fd >= 0 ? pier_fs_list_sorted_at (fd, &error) : NULL;
  if (names == NULL)
    g_error ("%s: %s", path, error->message);
  for (guint k = 0; k < names->len; k++)
    {
      g_autofree char *file = g_build_filename (path, names->pdata[k], NULL);
      replay_file (file, count);
    }
}

/* The tokens of a libFuzzer dictionary: one quoted string a line (after an optional NAME=),
 * with \\, \" and \xNN escapes; # starts a comment. */
static GPtrArray *
read_dictionary (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  GPtrArray *tokens = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  if (!g_file_get_contents (path, &text, NULL, &error))
    g_error ("%s", error->message);
  lines = g_strsplit (text, "\n", -1);
  for (char **line = lines; *line; line++)
    {
      const char *p = strchr (*line, '"');
      GByteArray *token;

      if (p == NULL || g_strstrip (*line)[0] == '#')
        continue;
      token = g_byte_array_new ();
      for (p++; *p && *p != '"'; p++)
        {
          guint8 c = (guint8) *p;
          if (*p == '\\' && p[1] == 'x' && g_ascii_isxdigit (p[2]) && g_ascii_isxdigit (p[3]))
            {
              c = (guint8) (g_ascii_xdigit_value (p[2]) * 16 + g_ascii_xdigit_value (p[3]));
              p += 3;
            }
          else if (*p == '\\' && p[1] != '\0')
            c = (guint8) *++p;
          g_byte_array_append (token, &c, 1);
        }
      g_ptr_array_add (tokens, g_byte_array_free_to_bytes (token));
    }
  if (tokens->len == 0)
    g_error ("%s holds no tokens", path);
  return tokens;
}

static void
replay_generated (guint n, const char *dictionary)
{
  g_autoptr (GPtrArray) tokens = read_dictionary (dictionary);
  g_autoptr (GRand) rand = g_rand_new_with_seed (12);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GByteArray) input = g_byte_array_new ();
      guint length = g_rand_int_range (rand, 1, 8);

      for (guint t = 0; t < length; t++)
        {
          GBytes *token = tokens->pdata[g_rand_int_range (rand, 0, tokens->len)];
          g_byte_array_append (input, g_bytes_get_data (token, NULL), g_bytes_get_size (token));
        }
      LLVMFuzzerTestOneInput (input->data, input->len);
    }
}

int
main (int argc, char **argv)
{
  guint count = 0, generated = 0;
  const char *dictionary = NULL;

  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--generate") == 0 && i + 1 < argc)
        generated = (guint) atoi (argv[++i]);
      else if (strcmp (argv[i], "--dict") == 0 && i + 1 < argc)
        dictionary = argv[++i];
      else
        replay_path (argv[i], &count);
    }
  if (count == 0)
    g_error ("no input to replay");
  if (generated > 0)
    {
      if (dictionary == NULL)
        g_error ("--generate needs --dict");
      replay_generated (generated, dictionary);
    }
  printf ("replayed %u inputs and %u generated ones\n", count, generated);
  return 0;
}
