/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer harness: arbitrary bytes through the parsers of the values people type (sizes,
 * decimals, counts: pierctl's --memory, --cpus, --time and the window's form), the checks of a
 * container's names, host name and variables, and the JSON writer. Built and run by
 * tests/fuzz/run-fuzz.sh (clang -fsanitize=fuzzer,address,undefined); meson replays the kept
 * corpus and a seeded batch of generated inputs through it (fuzz-replay.c).
 *
 * Beyond not crashing, each parser must agree with a plain reading of its grammar: what it
 * takes is in range and means what the text says, and what it refuses is named in the error. */

#include "pier-container-options.h"
#include "pier-error.h"
#include "pier-json.h"
#include "pier-quantity.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static gboolean
all_digits (const char *s)
{
  if (*s == '\0')
    return FALSE;
  for (; *s; s++)
    if (!g_ascii_isdigit (*s))
      return FALSE;
  return TRUE;
}

/* A refusal says which value, as pier_error_quote shows it. */
static void
check_refusal (const GError *error, const char *what, const char *text)
{
  g_autofree char *quoted = pier_error_quote (text);

  g_assert (error != NULL && error->domain == PIER_ERROR);
  g_assert (strstr (error->message, what) != NULL);
  g_assert (strstr (error->message, quoted) != NULL);
  g_assert (g_utf8_validate (error->message, -1, NULL));
  g_assert (strchr (error->message, '\n') == NULL);
}

static void
check_size (const char *text, guint64 max)
{
  g_autoptr (GError) error = NULL;
  guint64 bytes = 0;

  if (!pier_quantity_parse_size ("--memory", text, max, &bytes, &error))
    {
      check_refusal (error, "--memory", text);
      return;
    }
  g_assert (bytes <= max);
  /* Digits with at most a fraction, then letters of a unit: never a sign, space or exponent. */
  g_assert (g_ascii_isdigit (text[0]));
  for (const char *p = text; *p; p++)
    g_assert (g_ascii_isdigit (*p) || *p == '.' || strchr ("bkmgtpiBKMGTPI", *p) != NULL);
  if (all_digits (text))
    g_assert (bytes == g_ascii_strtoull (text, NULL, 10));
}

static void
check_decimal (const char *text, double min, double max)
{
  g_autoptr (GError) error = NULL;
  double value = 0;

  if (!pier_quantity_parse_decimal ("--cpus", text, min, max, &value, &error))
    {
      check_refusal (error, "--cpus", text);
      return;
    }
  g_assert (value >= min && value <= max);
  g_assert (g_ascii_isdigit (text[0]));
  for (const char *p = text; *p; p++)
    g_assert (g_ascii_isdigit (*p) || *p == '.');
  /* strtod reads this grammar too; the two agree to the nanosecond's precision. */
  g_assert (value - g_ascii_strtod (text, NULL) < 1e-9 * (value + 1) &&
            g_ascii_strtod (text, NULL) - value < 1e-9 * (value + 1));
}

static void
check_count (const char *text, guint64 min, guint64 max)
{
  g_autoptr (GError) error = NULL;
  guint64 n = 0;

  if (!pier_quantity_parse_count ("--time", text, min, max, &n, &error))
    {
      check_refusal (error, "--time", text);
      g_assert (!all_digits (text) || strlen (text) > 19 ||
                g_ascii_strtoull (text, NULL, 10) < min || g_ascii_strtoull (text, NULL, 10) > max);
      return;
    }
  g_assert (all_digits (text) && n >= min && n <= max && n == g_ascii_strtoull (text, NULL, 10));
}

/* Carried exactly or refused by name: never a document with the value left out. */
static void
check_json (const char *text)
{
  g_auto (PierJsonWriter) w = { NULL };
  g_autoptr (GError) error = NULL;
  json_t *root = json_object ();
  g_autofree char *out = NULL;
  json_t *back;

  pier_json_set (&w, root, "argv", pier_json_strv (&w, "argv", (const char *const[]){ "a", text, "b", NULL }));
  out = pier_json_writer_dump (&w, root, JSON_COMPACT, &error);
  if (!g_utf8_validate (text, -1, NULL))
    {
      g_assert (out == NULL);
      check_refusal (error, "argv[1]", text);
      return;
    }
  g_assert (out != NULL);
  back = json_loads (out, 0, NULL);
  g_assert (json_array_size (json_object_get (back, "argv")) == 3);
  g_assert (strcmp (json_string_value (json_array_get (json_object_get (back, "argv"), 1)), text) == 0);
  json_decref (back);
}

static void
check_container_options (const char *text)
{
  PierContainerOptions o = { .image = "busybox" };
  const char *const words[] = { "sh", text, NULL };

  o.hostname = text;
  if (pier_container_options_check (&o, NULL))
    {
      g_assert (strlen (text) <= 64 && g_ascii_isalnum (text[0]));
      for (const char *p = text; *p; p++)
        g_assert (g_ascii_isalnum (*p) || strchr ("-_.", *p) != NULL);
    }
  o.hostname = NULL;
  o.env = (const char *const[]){ text, NULL };
  if (pier_container_options_check (&o, NULL))
    g_assert (text[0] != '=' && text[0] != '\0' && g_utf8_validate (text, -1, NULL));
  o.env = NULL;
  o.command = words;
  g_assert (pier_container_options_check (&o, NULL) == g_utf8_validate (text, -1, NULL));
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autofree char *quoted = pier_error_quote (text);
  /* Maxima from the input's last bytes, so that limits small and large are tried. */
  guint64 max = size >= 8 ? (guint64) data[size - 1] << (data[size - 2] % 64) : G_MAXINT64;

  g_assert (g_utf8_validate (quoted, -1, NULL) && strchr (quoted, '\n') == NULL);
  check_size (text, (guint64) G_MAXINT64);
  check_size (text, max);
  check_decimal (text, 0.01, 1024);
  check_decimal (text, 0, 1e15);
  check_count (text, 0, G_MAXINT / 1000);
  check_count (text, 1, max);
  check_json (text);
  check_container_options (text);
  return 0;
}
